#!/usr/bin/env python3
"""`nooterra build-object` / `verify-object` contract, end to end, on the protocol vectors.

usage: object_cli_test.py NOOTERRA_BINARY REFERENCE_DIR

For every kernel-object entry of conformance/v1/protocol-vectors/v1.json:
  * verify-object with the vector key: exit 0, ok, the published hash;
  * a hashed member changed: exit 1;
  * build-object from the vector's inputs, run in two separate processes: identical bytes,
    equal to the vector's canonicalJson.
Plus the usage and rejection exits. Prints "N passed, N failed" last.
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
REF = os.environ.get("NOOTERRA_REFERENCE_DIR") or sys.argv[2]
# entry -> (schemaVersion, self-hash member the builder computes, signs with the vector key)
ENTRIES = {
    "toolManifest": ("ToolManifest.v1", None, True),
    "toolCallAgreement": ("ToolCallAgreement.v1", "agreementHash", False),
    "toolCallEvidence": ("ToolCallEvidence.v1", "evidenceHash", True),
    "settlementDecisionRecord": ("SettlementDecisionRecord.v1", "decisionHash", False),
    "settlementDecisionRecordV2": ("SettlementDecisionRecord.v2", "decisionHash", False),
    "settlementReceipt": ("SettlementReceipt.v1", "receiptHash", False),
    "policyDecision": ("PolicyDecision.v1", "policyDecisionHash", True),
    "operatorAction": ("OperatorAction.v1", None, True),
    "marketplaceOffer": ("MarketplaceOffer.v2", "offerHash", False),
    "marketplaceAcceptance": ("MarketplaceAcceptance.v2", "acceptanceHash", False),
    "reputationEvent": ("ReputationEvent.v1", "eventHash", False),
    "disputeOpenEnvelope": ("DisputeOpenEnvelope.v1", "envelopeHash", False),
    "agreementDelegation": ("AgreementDelegation.v1", "delegationHash", False),
    "agentWallet": ("AgentWallet.v1", None, False),
    "agentRunSettlement": ("AgentRunSettlement.v1", None, False),
}
RAW = [("inputSchemaCanonicalJson", "inputSchemaHash", "inputSchema"),
       ("outputSchemaCanonicalJson", "outputSchemaHash", "outputSchema"),
       ("inputCanonicalJson", "inputHash", "input"),
       ("outputCanonicalJson", "outputHash", "output")]

passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def run(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin)


def inputs_of(name, entry):
    obj = json.loads(entry["canonicalJson"])
    _, self_hash, _ = ENTRIES[name]
    for raw_key, hash_key, input_key in RAW:
        if raw_key in entry:
            obj.pop(hash_key, None)
            obj[input_key] = json.loads(entry[raw_key])
    if self_hash:
        obj.pop(self_hash)
    obj.pop("evaluationHash", None)
    if name == "toolManifest":
        obj["signerPublicKeyPem"] = True
    if name == "operatorAction":
        obj["signedAt"] = obj["signature"]["signedAt"]
    if name != "disputeOpenEnvelope":
        obj.pop("signature", None)
    return obj


def main():
    if not os.path.isfile(os.path.join(REF, "conformance/v1/protocol-vectors/v1.json")):
        print(f"reference data missing under {REF}: set NOOTERRA_REFERENCE_DIR or provide ../shared/reference")
        print("0 passed, 1 failed")
        return 1
    vectors = json.load(open(os.path.join(REF, "conformance/v1/protocol-vectors/v1.json")))
    keys = json.load(open(os.path.join(REF, "keys/ed25519_test_keypair.json")))
    with tempfile.TemporaryDirectory() as tmp:
        pub, priv = os.path.join(tmp, "pub.pem"), os.path.join(tmp, "priv.pem")
        open(pub, "w").write(keys["publicKeyPem"])
        open(priv, "w").write(keys["privateKeyPem"])
        for name, (schema, self_hash, signs) in ENTRIES.items():
            entry = vectors[name]
            path = os.path.join(tmp, name + ".json")
            open(path, "w").write(entry["canonicalJson"])
            r = run("verify-object", "--public-key", pub, path)
            check(f"{name} verify exit", r.returncode == 0, r.stdout + r.stderr)
            report = json.loads(r.stdout) if r.stdout else {}
            check(f"{name} verify ok", report.get("ok") is True)
            check(f"{name} schemaVersion", report.get("schemaVersion") == schema)
            expected = entry.get("coreSha256") or (self_hash and entry.get(self_hash))
            if expected:
                check(f"{name} hash", report.get("hash") == expected, report.get("hash"))
            # A hashed member changed (tenantId, or toolId for the tool objects): exit 1,
            # unless the type is hashed only as a whole (no self-hash to contradict).
            mutated = json.loads(entry["canonicalJson"])
            member = next(m for m in ("tenantId", "toolId", "callId", "justification") if m in mutated)
            mutated[member] = mutated[member] + "x"
            open(path, "w").write(json.dumps(mutated))
            r = run("verify-object", "--public-key", pub, path)
            whole = self_hash is None and name not in ("toolManifest", "operatorAction")
            check(f"{name} mutated exit", r.returncode == (0 if whole else 1), r.stdout)
            # Build from inputs twice, in two processes.
            in_path = os.path.join(tmp, name + ".inputs.json")
            open(in_path, "w").write(json.dumps(inputs_of(name, entry)))
            args = ["build-object", "--type", schema] + (["--private-key", priv] if signs else []) + [in_path]
            first, second = run(*args), run(*args)
            check(f"{name} build exit", first.returncode == 0, first.stderr)
            check(f"{name} build bytes", first.stdout == entry["canonicalJson"] + "\n",
                  f"\n got {first.stdout}\nwant {entry['canonicalJson']}")
            check(f"{name} build deterministic", first.stdout == second.stdout)
        # Contract exits.
        r = run("build-object", "--type", "Nope.v1", "-", stdin="{}")
        check("unknown type exit 2", r.returncode == 2 and "OBJECT_TYPE_UNKNOWN" in r.stderr, r.stderr)
        r = run("build-object", "--type", "FundingHold.v1", "-", stdin='{"tenantId":"t"}')
        check("rejected inputs exit 1", r.returncode == 1 and "OBJECT_FIELD_REQUIRED" in r.stderr, r.stderr)
        r = run("build-object", "--type", "FundingHold.v1", "-", stdin="{")
        check("non-JSON inputs exit 1", r.returncode == 1 and "JSON_SYNTAX" in r.stderr, r.stderr)
        r = run("build-object", "-", stdin="{}")
        check("missing --type exit 2", r.returncode == 2)
        r = run("verify-object", os.path.join(tmp, "missing.json"))
        check("unreadable file exit 2", r.returncode == 2 and "FILE_UNREADABLE" in r.stderr, r.stderr)
        bad = os.path.join(tmp, "bad.json")
        open(bad, "w").write("{\"schemaVersion\":")
        r = run("verify-object", bad)
        check("non-JSON exit 2", r.returncode == 2 and "JSON_SYNTAX" in r.stderr, r.stderr)
        open(bad, "w").write('{"schemaVersion":"Nope.v1"}')
        r = run("verify-object", bad)
        check("unknown schema exit 1", r.returncode == 1 and "OBJECT_TYPE_UNKNOWN" in r.stdout, r.stdout)
        r = run("verify-object", "--public-key", bad, path)
        check("bad key exit 2", r.returncode == 2 and "KEY_INVALID_PEM" in r.stderr, r.stderr)
        r = run("build-object", "--help")
        check("build-object --help", r.returncode == 0 and "usage" in r.stdout)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
