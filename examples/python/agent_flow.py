"""One paid tool call, end to end, through the Python package (the same flow as
examples/c/demo.c and examples/node/agent_flow.js):

  keys -> a temporary store -> deposit -> the policy's decision -> agreement -> escrow ->
  evidence signed by the tool -> settlement and a signed receipt -> offline verification of the
  receipt -> a dispute -> the arbiter's verdict -> exactly one adjustment -> audit.

Run: PYTHONPATH=build/python python3 examples/python/agent_flow.py   (or after `pip install .`)
"""

import base64
import json
import os
import sys
import tempfile

import nooterra

T = "tenant_demo"


def step(title, detail=None):
    print(title)
    if detail is not None:
        print("  ", detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False))


def main() -> int:
    provider = nooterra.PrivateKey.from_seed(b"\x01" * 32)
    buyer = nooterra.PrivateKey.from_seed(b"\x02" * 32)
    arbiter = nooterra.PrivateKey.from_seed(b"\x03" * 32)
    step("1. keys", {"buyer": buyer.key_id, "provider": provider.key_id, "arbiter": arbiter.key_id})

    with tempfile.TemporaryDirectory(prefix="nooterra-py-example-") as tmp, \
            nooterra.Store(os.path.join(tmp, "store")) as store:
        store.register_agent(T, "agt_buyer", buyer.public_key_pem)
        store.register_agent(T, "agt_tool_provider", provider.public_key_pem)
        store.register_agent(T, "agt_arbiter", arbiter.public_key_pem)
        store.deposit(T, "agt_buyer", 25000, idempotency_key="deposit_1")
        step("2. a temporary store; the buyer deposits 25000", store.wallet(T, "agt_buyer"))

        decision = nooterra.evaluate_settlement_policy(verification_status="green", amount_cents=1500)
        step("3. policy decision", {k: decision[k] for k in
                                    ("policyHash", "decisionMode", "releaseAmountCents", "reasonCodes")})

        created = store.create_agreement(T, {
            "agreement": {
                "toolId": "tool_weather_lookup", "callId": "call_demo_0001",
                "manifestHash": "86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d",
                "input": {"city": "Zürich", "units": "metric"},
                "settlementTerms": {"amountCents": 1500, "currency": "USD"},
                "payerAgentId": "agt_buyer", "payeeAgentId": "agt_tool_provider",
                "createdAt": "2026-11-22T09:00:00+01:00"},
            "holdbackBps": 1000, "challengeWindowMs": 86400000,
        }, now="2026-11-22T08:00:00.000Z", idempotency_key="create_1")
        agreement = created["agreement"]
        h = agreement["agreementHash"]
        step("4. agreement", h)
        store.fund(T, h, now="2026-11-22T08:00:00.500Z", idempotency_key="fund_1")
        step("5. 1500 in escrow", store.wallet(T, "agt_buyer"))

        evidence = nooterra.build_object("ToolCallEvidence.v1", {
            "agreementHash": h, "callId": "call_demo_0001", "inputHash": agreement["inputHash"],
            "output": {"tempC": 3.5, "sky": "overcast"}, "outputRef": "evidence://call_demo_0001/output.json",
            "metrics": {"latencyMs": 412}, "startedAt": "2026-11-22T08:00:01.100Z",
            "completedAt": "2026-11-22T08:00:01.512Z"}, signer=provider)
        store.submit_evidence(T, evidence["object"], now="2026-11-22T08:00:01.600Z", idempotency_key="evidence_1")
        step("6. evidence signed by the tool", evidence["hash"])

        settled = store.settle(T, {"agreementHash": h, "decisionId": "dec_demo_0001", "receiptId": "rcpt_demo_0001",
                                   "verificationStatus": "green"},
                               now="2026-11-22T08:00:02.000Z", idempotency_key="settle_1")
        step("7. settled under the pinned policy: 1350 paid, 150 held back", store.wallet(T, "agt_tool_provider"))

        receipt = store.get(T, "receipt", "rcpt_demo_0001")
        report = nooterra.verify_object(receipt, [provider.public_key_pem])
        if not report["ok"]:
            raise SystemExit(f"receipt did not verify: {report}")
        step("8. the receipt verifies offline", report["hash"])

        hold = settled["hold"]
        envelope = nooterra.build_object("DisputeOpenEnvelope.v1", {
            "envelopeId": f"dopen_tc_{h}", "caseId": f"arb_case_tc_{h}", "tenantId": T, "agreementHash": h,
            "receiptHash": hold["receiptHash"], "holdHash": hold["holdHash"], "openedByAgentId": "agt_buyer",
            "openedAt": "2026-11-22T10:00:00.000Z", "reasonCode": "TOOL_CALL_DISPUTE",
            "nonce": "nonce_demo_000001", "signerKeyId": buyer.key_id}, signer=buyer)
        opened = store.open_dispute(T, {
            "agreementHash": h, "receiptHash": hold["receiptHash"], "holdHash": hold["holdHash"],
            "openedByAgentId": "agt_buyer", "disputeOpenEnvelope": envelope["object"],
            "arbiterAgentId": "agt_arbiter", "summary": "The forecast was for the wrong city",
            "evidenceRefs": ["evidence://call_demo_0001/output.json"]},
            now="2026-11-22T10:00:00.000Z", idempotency_key="open_1")
        case = opened["arbitrationCase"]
        step("9. the buyer disputes", {"caseId": case["caseId"], "status": case["status"]})

        core = {"schemaVersion": "ArbitrationVerdict.v1", "verdictId": "avd_demo_0001", "caseId": case["caseId"],
                "tenantId": T, "runId": f"tc_{h}", "settlementId": f"setl_tc_{h}", "disputeId": f"disp_tc_{h}",
                "arbiterAgentId": "agt_arbiter", "outcome": "accepted", "releaseRatePct": 100,
                "rationale": "Zurich was asked and answered.",
                "evidenceRefs": ["evidence://call_demo_0001/output.json"],
                "issuedAt": "2026-11-24T09:00:00.000Z", "appealRef": None}
        signature = base64.b64encode(arbiter.sign_hash(nooterra.object_hash(core))).decode("ascii")
        verdict = store.submit_verdict(T, case["caseId"], dict(core, signerKeyId=arbiter.key_id, signature=signature),
                                       now="2026-11-24T09:00:00.000Z", idempotency_key="verdict_1")
        adjustment = verdict["settlementAdjustment"]
        if not nooterra.verify_object(adjustment)["ok"]:
            raise SystemExit("the adjustment did not verify")
        if store.get(T, "adjustment", f"sadj_agmt_{h}_holdback")["adjustmentHash"] != adjustment["adjustmentHash"]:
            raise SystemExit("the stored adjustment differs")
        step("10. the arbiter's verdict: exactly one adjustment",
             {k: adjustment[k] for k in ("adjustmentId", "kind", "amountCents")})

        replay = store.replay_evaluate(T, h)
        if not replay["comparisons"]["chainConsistent"]:
            raise SystemExit(f"replay evaluation: {replay['issues']}")
        step("    replay evaluation of the stored records", replay["replay"]["stage"] + ", chain consistent")

        facts = store.reputation_facts(T, "agt_tool_provider", as_of="2026-11-24T09:00:00.000Z")
        step("    the provider's reputation facts", facts["facts"]["totals"]["disputes"])

        audit = store.check(T)
        if audit:
            raise SystemExit(f"ledger audit: {audit}")
        step("11. final balances; the ledger audit is sound",
             {"buyer": store.wallet(T, "agt_buyer"), "provider": store.wallet(T, "agt_tool_provider")})
    print("example complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
