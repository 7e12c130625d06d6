"""A scripted MCP client: starts examples/mcp/server.py on a temporary store and drives a whole
paid tool call through it over stdio — initialize, tools/list, agents, deposit, agreement,
escrow, signed evidence, settlement, offline verification of the receipt, a dispute, the
arbiter's verdict, a refusal reported as a tool error, a JSON-RPC error, and a bundle verdict
from the protocol's conformance pack. The client plays the agents: it holds their keys and
signs the evidence, the dispute envelope and the verdict itself.

usage: PYTHONPATH=build/python python3 examples/mcp/client_test.py   (exit 0 when every step held)
"""

import base64
import json
import os
import subprocess
import sys
import tempfile

import nooterra

HERE = os.path.dirname(os.path.abspath(__file__))


class Client:
    def __init__(self, store_dir):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), store_dir],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ)
        self.next_id = 0

    def request(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        response = json.loads(self.proc.stdout.readline())
        assert response["id"] == self.next_id, response
        return response

    def tool(self, name, **arguments):
        response = self.request("tools/call", {"name": name, "arguments": arguments})
        result = response["result"]
        value = json.loads(result["content"][0]["text"])
        if result["isError"]:
            raise RuntimeError(f"{name}: {value}")
        return value

    def close(self):
        self.proc.stdin.close()
        assert self.proc.wait(timeout=30) == 0


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        raise SystemExit(1)


def main() -> int:
    buyer, tool, arbiter = (nooterra.PrivateKey.from_seed(bytes([i]) * 32) for i in (1, 2, 3))
    with tempfile.TemporaryDirectory(prefix="nooterra-mcp-test-") as tmp:
        c = Client(os.path.join(tmp, "store"))
        init = c.request("initialize", {"protocolVersion": "2024-11-05", "capabilities": {},
                                        "clientInfo": {"name": "scripted", "version": "1"}})
        check(init["result"]["serverInfo"]["name"] == "nooterra-mcp", "initialize")
        c.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        names = {t["name"] for t in c.request("tools/list")["result"]["tools"]}
        check({"create_agreement", "submit_evidence", "settle", "open_dispute", "verify_receipt",
               "verify_bundle"} <= names, f"tools/list ({len(names)} tools)")

        now = "2026-11-22T08:00:00.000Z"
        for agent, key in (("agt_buyer", buyer), ("agt_tool", tool), ("agt_arbiter", arbiter)):
            c.tool("register_agent", agentId=agent, publicKeyPem=key.public_key_pem)
        c.tool("deposit", agentId="agt_buyer", amountCents=25000, idempotencyKey="dep_1")
        created = c.tool("create_agreement", now=now, idempotencyKey="create_1", request={
            "agreement": {"toolId": "tool_weather_lookup", "callId": "call_mcp_1",
                          "manifestHash": "86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d",
                          "input": {"city": "Bern"}, "settlementTerms": {"amountCents": 1500, "currency": "USD"},
                          "payerAgentId": "agt_buyer", "payeeAgentId": "agt_tool"},
            "holdbackBps": 1000, "challengeWindowMs": 86400000})
        agreement = created["agreement"]
        h = agreement["agreementHash"]
        check(len(h) == 64, "create_agreement")
        c.tool("fund", agreementHash=h, now=now, idempotencyKey="fund_1")
        check(c.tool("get_wallet", agentId="agt_buyer") == {"available": 23500, "escrow": 1500}, "fund: 1500 in escrow")
        again = c.tool("fund", agreementHash=h, now=now, idempotencyKey="fund_1")
        check(again["alreadyExisted"], "a retried fund replays instead of paying twice")

        evidence = nooterra.build_object("ToolCallEvidence.v1", {
            "agreementHash": h, "callId": "call_mcp_1", "inputHash": agreement["inputHash"],
            "output": {"tempC": 4}, "startedAt": "2026-11-22T08:00:01.000Z"}, signer=tool)
        c.tool("submit_evidence", evidence=evidence["object"], now=now, idempotencyKey="evidence_1")
        settled = c.tool("settle", now=now, idempotencyKey="settle_1", request={
            "agreementHash": h, "decisionId": "dec_mcp_1", "receiptId": "rcpt_mcp_1", "verificationStatus": "green"})
        receipt = settled["settlementReceipt"]
        report = c.tool("verify_receipt", receipt=receipt, publicKeys=[tool.public_key_pem])
        check(report["ok"], "settle, and the receipt verifies offline")
        tampered = dict(receipt, releasedAmountCents=receipt["releasedAmountCents"] + 1)
        check(not c.tool("verify_receipt", receipt=tampered)["ok"], "a tampered receipt does not")

        hold = settled["hold"]
        envelope = nooterra.build_object("DisputeOpenEnvelope.v1", {
            "envelopeId": f"dopen_tc_{h}", "caseId": f"arb_case_tc_{h}", "tenantId": "mcp", "agreementHash": h,
            "receiptHash": hold["receiptHash"], "holdHash": hold["holdHash"], "openedByAgentId": "agt_buyer",
            "openedAt": "2026-11-22T09:00:00.000Z", "reasonCode": "TOOL_CALL_DISPUTE", "nonce": "nonce_mcp_0000001",
            "signerKeyId": buyer.key_id}, signer=buyer)
        opened = c.tool("open_dispute", now="2026-11-22T09:00:00.000Z", idempotencyKey="open_1", request={
            "agreementHash": h, "receiptHash": hold["receiptHash"], "holdHash": hold["holdHash"],
            "openedByAgentId": "agt_buyer", "disputeOpenEnvelope": envelope["object"], "arbiterAgentId": "agt_arbiter",
            "summary": "wrong city"})
        case_id = opened["arbitrationCase"]["caseId"]
        check(opened["arbitrationCase"]["status"] == "under_review", "open_dispute")
        core = {"schemaVersion": "ArbitrationVerdict.v1", "verdictId": "avd_mcp_1", "caseId": case_id, "tenantId": "mcp",
                "runId": f"tc_{h}", "settlementId": f"setl_tc_{h}", "disputeId": f"disp_tc_{h}",
                "arbiterAgentId": "agt_arbiter", "outcome": "rejected", "releaseRatePct": 0, "rationale": "wrong city",
                "evidenceRefs": [], "issuedAt": "2026-11-23T09:00:00.000Z", "appealRef": None}
        signature = base64.b64encode(arbiter.sign_hash(nooterra.object_hash(core))).decode("ascii")
        verdict = c.tool("submit_verdict", caseId=case_id, now="2026-11-23T09:00:00.000Z", idempotencyKey="verdict_1",
                         verdict=dict(core, signerKeyId=arbiter.key_id, signature=signature))
        check(verdict["settlementAdjustment"]["kind"] == "holdback_refund", "submit_verdict: one adjustment (refund)")
        check(c.tool("get_wallet", agentId="agt_buyer") == {"available": 23650, "escrow": 0},
              "the holdback went back to the buyer")

        refused = c.request("tools/call", {"name": "fund", "arguments": {
            "agreementHash": h, "now": now, "idempotencyKey": "fund_2"}})["result"]
        error = json.loads(refused["content"][0]["text"])
        check(refused["isError"] and error["reason"] == "TRANSITION_ILLEGAL", "a refused step is a tool error with its reason")
        bad = c.request("tools/call", {"name": "fund", "arguments": {"now": now}})
        check(bad["error"]["code"] == -32602, "missing arguments are a JSON-RPC invalid-params error")
        check(c.request("nope")["error"]["code"] == -32601, "an unknown method is a JSON-RPC error")

        reference = os.environ.get("NOOTERRA_REFERENCE_DIR") or os.environ.get("NOOTERRA_DEFAULT_REFERENCE_DIR", "")
        pack = os.path.join(reference, "conformance", "v1")
        if not os.path.isfile(os.path.join(pack, "cases.json")):
            print(f"FAIL reference data missing: {pack} (set NOOTERRA_REFERENCE_DIR)")
            return 1
        with open(os.path.join(pack, "cases.json"), encoding="utf-8") as f:
            case = next(x for x in json.load(f)["cases"] if x["id"].startswith("jobproof_"))
        with open(os.path.join(pack, case["expectedFile"]), encoding="utf-8") as f:
            expected = json.load(f)
        with open(os.path.join(pack, "trust.json"), encoding="utf-8") as f:
            trust = json.load(f)
        verdict = c.tool("verify_bundle", path=os.path.join(pack, case["bundlePath"]), kind="job-proof",
                         strict=case["strict"], trust=trust)
        check(verdict["ok"] == expected["ok"], f"verify_bundle: {case['id']} -> ok={verdict['ok']}")
        c.close()
    print("mcp flow complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
