"""A Model Context Protocol server over stdio exposing the nooterra kernel to an AI agent.

JSON-RPC 2.0, one message per line (MCP's stdio transport): `initialize`, `tools/list` and
`tools/call`. The tools run on one local store (the directory given as the first argument, or a
fresh temporary one) through the Python package:

  register_agent, deposit, create_agreement, fund, submit_evidence, settle, open_dispute,
  submit_verdict, get_wallet, verify_receipt, verify_bundle

A kernel refusal is a tool result with isError true and the error's code and reason; malformed
JSON-RPC gets a JSON-RPC error. Nothing here reads a clock: every mutating tool takes `now` and
an `idempotencyKey`, so an agent that retries after a timeout can never pay twice.

usage: PYTHONPATH=build/python python3 examples/mcp/server.py [STORE_DIR]
"""

import json
import sys
import tempfile

import nooterra

PROTOCOL_VERSION = "2024-11-05"
TENANT_DEFAULT = "mcp"

_STEP = {"now": {"type": "string", "description": "ISO 8601 time of the call"},
         "idempotencyKey": {"type": "string", "description": "retry-safe key of this call"},
         "tenant": {"type": "string"}}


def _schema(properties, required):
    props = dict(properties)
    return {"type": "object", "properties": props, "required": required}


TOOLS = [
    ("register_agent", "Register an agent's Ed25519 public key (PEM).",
     _schema({"agentId": {"type": "string"}, "publicKeyPem": {"type": "string"}, "tenant": {"type": "string"}},
             ["agentId", "publicKeyPem"])),
    ("deposit", "Credit an agent's available balance (minor units).",
     _schema({"agentId": {"type": "string"}, "amountCents": {"type": "integer"}, "currency": {"type": "string"},
              "idempotencyKey": {"type": "string"}, "tenant": {"type": "string"}},
             ["agentId", "amountCents", "idempotencyKey"])),
    ("create_agreement", "Create a tool-call agreement with hash-pinned terms and policy.",
     _schema({"request": {"type": "object"}, **_STEP}, ["request", "now", "idempotencyKey"])),
    ("fund", "Move the agreement amount from the payer into escrow.",
     _schema({"agreementHash": {"type": "string"}, **_STEP}, ["agreementHash", "now", "idempotencyKey"])),
    ("submit_evidence", "Record the payee-signed ToolCallEvidence.v1.",
     _schema({"evidence": {"type": "object"}, **_STEP}, ["evidence", "now", "idempotencyKey"])),
    ("settle", "Settle under the pinned policy: decision record, receipt, holdback.",
     _schema({"request": {"type": "object"}, **_STEP}, ["request", "now", "idempotencyKey"])),
    ("open_dispute", "Open a dispute with a signed DisputeOpenEnvelope.v1.",
     _schema({"request": {"type": "object"}, **_STEP}, ["request", "now", "idempotencyKey"])),
    ("submit_verdict", "Submit the arbiter's signed verdict: exactly one adjustment.",
     _schema({"caseId": {"type": "string"}, "verdict": {"type": "object"}, **_STEP},
             ["caseId", "verdict", "now", "idempotencyKey"])),
    ("get_wallet", "An agent's available and escrowed balance.",
     _schema({"agentId": {"type": "string"}, "currency": {"type": "string"}, "tenant": {"type": "string"}},
             ["agentId"])),
    ("verify_receipt", "Verify any protocol object offline (hash, embedded hashes, signatures).",
     _schema({"receipt": {"type": "object"}, "publicKeys": {"type": "array", "items": {"type": "string"}}},
             ["receipt"])),
    ("verify_bundle", "Verify a proof bundle directory offline (VerifyCliOutput.v1).",
     _schema({"path": {"type": "string"}, "kind": {"type": "string"}, "strict": {"type": "boolean"},
              "trust": {"type": "object"}}, ["path", "kind"])),
]


class InvalidParams(Exception):
    pass


def _need(args, name, kind):
    value = args.get(name)
    if not isinstance(value, kind):
        raise InvalidParams(f"argument {name!r} is required")
    return value


def call_tool(store, name, args):
    tenant = args.get("tenant", TENANT_DEFAULT)
    step = lambda: {"now": _need(args, "now", str), "idempotency_key": _need(args, "idempotencyKey", str)}
    if name == "register_agent":
        return store.register_agent(tenant, _need(args, "agentId", str), _need(args, "publicKeyPem", str))
    if name == "deposit":
        return store.deposit(tenant, _need(args, "agentId", str), _need(args, "amountCents", int),
                             currency=args.get("currency", "USD"), idempotency_key=_need(args, "idempotencyKey", str))
    if name == "create_agreement":
        return store.create_agreement(tenant, _need(args, "request", dict), **step())
    if name == "fund":
        return store.fund(tenant, _need(args, "agreementHash", str), **step())
    if name == "submit_evidence":
        return store.submit_evidence(tenant, _need(args, "evidence", dict), **step())
    if name == "settle":
        return store.settle(tenant, _need(args, "request", dict), **step())
    if name == "open_dispute":
        return store.open_dispute(tenant, _need(args, "request", dict), **step())
    if name == "submit_verdict":
        return store.submit_verdict(tenant, _need(args, "caseId", str), _need(args, "verdict", dict), **step())
    if name == "get_wallet":
        return store.wallet(tenant, _need(args, "agentId", str), args.get("currency", "USD"))
    if name == "verify_receipt":
        return nooterra.verify_object(_need(args, "receipt", dict), args.get("publicKeys", []))
    if name == "verify_bundle":
        return nooterra.verify_bundle(_need(args, "path", str), _need(args, "kind", str),
                                      strict=args.get("strict", True), trust=args.get("trust"))
    raise InvalidParams(f"unknown tool {name!r}")


def handle(store, message):
    """One JSON-RPC message -> the response dict, or None for a notification."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or not isinstance(message.get("method"), str):
        return {"jsonrpc": "2.0", "id": message.get("id") if isinstance(message, dict) else None,
                "error": {"code": -32600, "message": "invalid request"}}
    method, mid = message["method"], message.get("id")
    if "id" not in message:
        return None  # a notification (e.g. notifications/initialized)
    params = message.get("params") or {}
    try:
        if method == "initialize":
            result = {"protocolVersion": PROTOCOL_VERSION, "capabilities": {"tools": {}},
                      "serverInfo": {"name": "nooterra-mcp", "version": nooterra.__version__}}
        elif method == "tools/list":
            result = {"tools": [{"name": n, "description": d, "inputSchema": s} for n, d, s in TOOLS]}
        elif method == "tools/call":
            if not isinstance(params.get("name"), str):
                raise InvalidParams("params.name is required")
            try:
                value = call_tool(store, params["name"], params.get("arguments") or {})
                result = {"content": [{"type": "text", "text": json.dumps(value, sort_keys=True)}], "isError": False}
            except nooterra.NooterraError as e:
                error = {"code": e.code_name, "reason": e.reason, "message": e.message}
                result = {"content": [{"type": "text", "text": json.dumps(error)}], "isError": True}
        elif method == "ping":
            result = {}
        else:
            return {"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": f"no method {method}"}}
    except InvalidParams as e:
        return {"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": str(e)}}
    return {"jsonrpc": "2.0", "id": mid, "result": result}


def main() -> int:
    directory = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="nooterra-mcp-")
    with nooterra.Store(directory) as store:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                response = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
            else:
                response = handle(store, message)
            if response is not None:
                sys.stdout.write(json.dumps(response) + "\n")
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
