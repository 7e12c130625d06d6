"""The Python package over the C ABI: canonical JSON and object vectors, bundle verification,
errors, the store and kernel, threads. Reference data comes from ../shared/reference
(NOOTERRA_REFERENCE_DIR overrides); tests that need it fail loudly when it is missing."""

import json
import os
import shutil
import sys
import tempfile
import threading
import unittest

import nooterra
from nooterra import _nooterra


def reference_dir() -> str:
    return os.environ.get("NOOTERRA_REFERENCE_DIR") or os.environ.get("NOOTERRA_DEFAULT_REFERENCE_DIR", "")


def load_reference(relative: str):
    path = os.path.join(reference_dir(), relative)
    if not os.path.exists(path):
        raise AssertionError(f"reference data missing: {path} (set NOOTERRA_REFERENCE_DIR)")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def open_agreement(store, now, *, extra_agents=(), policy=None):
    """Registers agt_buyer (seed 1) and agt_tool (seed 2) plus `extra_agents` ((id, key) pairs),
    deposits 5000 for the buyer, optionally sets its wallet policy, and creates a 1000-cent
    agreement without holdback; returns the agreement hash."""
    store.register_agent("t", "agt_buyer", nooterra.PrivateKey.from_seed(b"\x01" * 32).public_key_pem)
    store.register_agent("t", "agt_tool", nooterra.PrivateKey.from_seed(b"\x02" * 32).public_key_pem)
    for agent_id, key in extra_agents:
        store.register_agent("t", agent_id, key.public_key_pem)
    store.deposit("t", "agt_buyer", 5000, idempotency_key="dep")
    if policy is not None:
        store.set_wallet_policy("t", "agt_buyer", policy, idempotency_key="p")
    created = store.create_agreement("t", {
        "agreement": {"toolId": "tool_x", "callId": "call_1", "manifestHash": "a" * 64, "input": {},
                      "settlementTerms": {"amountCents": 1000, "currency": "USD"},
                      "payerAgentId": "agt_buyer", "payeeAgentId": "agt_tool"},
        "holdbackBps": 0, "challengeWindowMs": 800}, now=now, idempotency_key="c1")
    return created["agreement"]["agreementHash"]


KERNEL_ENTRIES = ["toolManifest", "toolCallAgreement", "toolCallEvidence", "settlementDecisionRecord",
                  "settlementDecisionRecordV2", "settlementReceipt", "policyDecision", "operatorAction",
                  "marketplaceOffer", "marketplaceAcceptance", "reputationEvent", "disputeOpenEnvelope",
                  "agreementDelegation", "agentWallet", "agentRunSettlement"]


class CanonicalJson(unittest.TestCase):
    def test_protocol_cases(self):
        vectors = load_reference("conformance/v1/protocol-vectors/v1.json")
        cases = vectors["canonicalJson"]["cases"]
        self.assertGreaterEqual(len(cases), 3)
        for case in cases:
            for value in ("value", "valueA", "valueB"):
                if value not in case:
                    continue
                text = json.dumps(case[value], ensure_ascii=False)
                self.assertEqual(nooterra.canonicalize(text), case["canonical"], case["name"])
                self.assertEqual(nooterra.canonical_hash(text), case["sha256"], case["name"])

    def test_str_and_bytes_and_errors(self):
        self.assertEqual(nooterra.canonicalize('{"b":1,"a":[2,1]}'), '{"a":[2,1],"b":1}')
        self.assertEqual(nooterra.canonicalize(b'{"10":1,"2":2,"a":3,"B":4}'), '{"2":2,"10":1,"B":4,"a":3}')
        self.assertEqual(nooterra.sha256_hex("abc"),
                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.canonicalize('{"a":')
        self.assertIsInstance(ctx.exception, ValueError)
        self.assertEqual(ctx.exception.reason, "JSON_SYNTAX")
        self.assertEqual(ctx.exception.code_name, "INVALID_ARGUMENT")
        self.assertEqual(ctx.exception.code, "NOOTERRA_INVALID_ARGUMENT")  # the string Node's errors carry
        self.assertEqual(ctx.exception.code_number, 3)


class SharedVectors(unittest.TestCase):
    """conformance/vectors/canonical-json.json: the vectors every suite (C++, Python, Node) runs."""

    def test_canonical_json_vectors(self):
        import hashlib
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "conformance", "vectors",
                            "canonical-json.json")
        with open(path, encoding="utf-8") as f:
            cases = json.load(f)["cases"]
        self.assertGreaterEqual(len(cases), 10)
        for case in cases:
            if case.get("error"):
                with self.assertRaises(nooterra.InvalidArgumentError, msg=case["name"]):
                    nooterra.canonicalize(case["input"])
                continue
            self.assertEqual(nooterra.canonicalize(case["input"]), case["canonical"], case["name"])
            self.assertEqual(nooterra.canonical_hash(case["input"]),
                             hashlib.sha256(case["canonical"].encode("utf-8", "surrogatepass")).hexdigest(),
                             case["name"])


class JsonFastPath(unittest.TestCase):
    """The extension's writer for plain request data gives the same canonical bytes as the json
    module, and declines what it does not handle (the package then falls back to json)."""

    def test_same_canonical_bytes_as_the_json_module(self):
        from nooterra import _nooterra
        values = [{"a": 1, "b": [1.5, None, True, False, 'x"y\\z\n\t\u0001\u007f\u00e9\U0001F600'],
                   "c": {"d": -0.25e-10, "e": 10 ** 15, "f": 1e16, "g": ()}}, [], {}, "plain", [0.1, 2.0, -7]]
        for value in values:
            text = _nooterra.to_json(value)
            self.assertIsNotNone(text, value)
            self.assertEqual(nooterra.canonicalize(text), nooterra.canonicalize(json.dumps(value)), value)
        for declined in ({1: 2}, float("nan"), float("inf"), {"s": {1, 2}}, "\ud800", [object()]):
            self.assertIsNone(_nooterra.to_json(declined), declined)
        self.assertEqual(nooterra.canonical_hash({1: 2}), nooterra.canonical_hash('{"1":2}'))  # via json.dumps


class Objects(unittest.TestCase):
    def setUp(self):
        self.vectors = load_reference("conformance/v1/protocol-vectors/v1.json")
        keys = load_reference("keys/ed25519_test_keypair.json")
        self.key = nooterra.PrivateKey.from_pem(keys["privateKeyPem"])
        self.public_pem = keys["publicKeyPem"]

    def test_every_kernel_vector_verifies(self):
        for name in KERNEL_ENTRIES:
            entry = self.vectors[name]
            report = nooterra.verify_object(entry["canonicalJson"], [self.public_pem])
            self.assertTrue(report["ok"], (name, report))
            self.assertEqual(report["schemaVersion"], entry["schemaVersion"])
            object_type, _ = nooterra.validate_object(entry["canonicalJson"])
            self.assertEqual(object_type.schema_version, entry["schemaVersion"])

    def test_rebuild_agreement_and_evidence_byte_for_byte(self):
        agreement = json.loads(self.vectors["toolCallAgreement"]["canonicalJson"])
        inputs = {k: v for k, v in agreement.items() if k not in ("agreementHash", "inputHash")}
        inputs["input"] = json.loads(self.vectors["toolCallAgreement"]["inputCanonicalJson"])
        built = nooterra.build_object("ToolCallAgreement.v1", inputs)
        self.assertEqual(built["canonical"], self.vectors["toolCallAgreement"]["canonicalJson"])
        self.assertEqual(built["hash"], self.vectors["toolCallAgreement"]["agreementHash"])
        evidence = json.loads(self.vectors["toolCallEvidence"]["canonicalJson"])
        inputs = {k: v for k, v in evidence.items() if k not in ("evidenceHash", "outputHash", "signature")}
        inputs["output"] = json.loads(self.vectors["toolCallEvidence"]["outputCanonicalJson"])
        built = nooterra.build_object(nooterra.ObjectType.TOOL_CALL_EVIDENCE, inputs, signer=self.key)
        self.assertEqual(built["canonical"], self.vectors["toolCallEvidence"]["canonicalJson"])

    def test_keys_and_signatures(self):
        self.assertEqual(self.key.key_id, self.vectors["signer"]["keyId"])
        self.assertEqual(nooterra.key_id(self.public_pem), self.key.key_id)
        digest = nooterra.sha256_hex("hello")
        signature = self.key.sign_hash(digest)
        self.assertEqual(len(signature), 64)
        self.assertTrue(nooterra.verify_signature(self.public_pem, digest, signature))
        self.assertFalse(nooterra.verify_signature(self.public_pem, nooterra.sha256_hex("x"), signature))
        seeded = nooterra.PrivateKey.from_seed(b"\x07" * 32)
        self.assertEqual(seeded.key_id, nooterra.PrivateKey.from_seed(b"\x07" * 32).key_id)
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.PrivateKey.from_pem("not a key")
        self.assertEqual(ctx.exception.reason, "KEY_INVALID_PEM")

    def test_tamper_and_rejections(self):
        receipt = json.loads(self.vectors["settlementReceipt"]["canonicalJson"])
        receipt["releasedAmountCents"] += 1
        report = nooterra.verify_object(receipt)
        self.assertFalse(report["ok"])
        self.assertEqual(report["errors"][0]["code"], "OBJECT_HASH_MISMATCH")
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.build_object(nooterra.ObjectType.FUNDING_HOLD, {"tenantId": "t"})
        self.assertTrue(ctx.exception.reason.startswith("OBJECT_"))
        resigned = nooterra.sign_object(self.vectors["policyDecision"]["canonicalJson"], self.key)
        self.assertEqual(resigned["canonical"], self.vectors["policyDecision"]["canonicalJson"])


class Policy(unittest.TestCase):
    def test_settlement_policy_vectors(self):
        e = nooterra.evaluate_settlement_policy(
            verification_method={"source": "verifier://nooterra/deterministic/latency-threshold-v1"},
            verification_status="green", amount_cents=10000)
        self.assertEqual(e["policyHash"], "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8")
        self.assertEqual(e["verificationMethodHash"], "051cd7c3ee4d3985017dc554d72eadc6873483a18dc3f48b052f77bd7e1ce2ff")
        self.assertTrue(e["shouldAutoResolve"])
        e = nooterra.evaluate_settlement_policy(
            {"mode": "automatic", "rules": {"requireDeterministicVerification": True, "maxAutoReleaseAmountCents": 5000}},
            {"mode": "attested"}, verification_status="amber", amount_cents=10001)
        self.assertEqual(e["decisionMode"], "manual-review")
        self.assertEqual(e["reasonCodes"], ["verification_method_not_deterministic",
                                            "amount_exceeds_auto_release_limit", "auto_release_disabled_for_amber"])
        self.assertEqual((e["releaseAmountCents"], e["refundAmountCents"]), (5000, 5001))
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.evaluate_settlement_policy({"rules": {"greenReleaseRatePct": 101}},
                                                verification_status="green", amount_cents=1)
        self.assertEqual(ctx.exception.reason, "POLICY_INVALID")


class GovernanceTemplates(unittest.TestCase):
    """conformance/vectors/governance-templates.json (shared with C++ and Node), the catalog, the
    normal form and its errors."""

    def test_shared_vectors(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "conformance", "vectors",
                            "governance-templates.json")
        with open(path, encoding="utf-8") as f:
            cases = json.load(f)["cases"]
        self.assertGreaterEqual(len(cases), 10)
        starters = {t["templateId"]: t for t in nooterra.governance_template_catalog()["templates"]}
        for case in cases:
            template = starters[case["template"]] if isinstance(case["template"], str) else case["template"]
            d = nooterra.evaluate_governance_template(template, case["request"])
            self.assertEqual(d["decision"], case["decision"], case["name"])
            self.assertEqual([i["code"] for i in d["blockingIssues"]], case["blockingCodes"], case["name"])
            if "matchedApprovalTierId" in case:
                self.assertEqual(d["matchedApprovalTierId"], case["matchedApprovalTierId"], case["name"])
            else:
                self.assertEqual(d["blockingIssues"][0]["message"], case["message"], case["name"])

    def test_catalog_and_normal_form(self):
        catalog = nooterra.governance_template_catalog()
        self.assertEqual(catalog["schemaVersion"], "GovernancePolicyTemplateCatalog.v1")
        self.assertEqual([t["operatingProfile"] for t in catalog["templates"]], ["indie", "smb", "enterprise"])
        indie = dict(catalog["templates"][0])
        core = {k: indie[k] for k in ("templateId", "templateVersion", "operatingProfile", "name", "description",
                                      "controls")}
        self.assertEqual(indie["templateHash"], nooterra.canonical_hash(core))  # the digest's formula
        self.assertEqual(nooterra.normalize_governance_template(indie), indie)
        indie["templateHash"] = "0" * 64
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.normalize_governance_template(indie)
        self.assertEqual(ctx.exception.reason, "POLICY_TEMPLATE_INVALID")
        self.assertIn("template.templateHash mismatch", str(ctx.exception))
        with self.assertRaises(nooterra.InvalidArgumentError):
            nooterra.evaluate_governance_template("{", {})


class ReleasesAndSigners(unittest.TestCase):
    """The reference's release conformance cases and signer-lifecycle vectors through the
    package (NOOTERRA_REFERENCE_DIR)."""

    def test_release_cases(self):
        cases = load_reference("conformance/v1/release-cases.json")["cases"]
        self.assertGreaterEqual(len(cases), 10)
        base = os.path.join(reference_dir(), "conformance", "v1")
        for case in cases:
            trust = os.path.join(base, case["trustFile"]) if case.get("trustFile") else None
            report = nooterra.verify_release(os.path.join(base, case["releaseDir"]), trust)
            want = case["expected"]
            self.assertEqual(report["ok"], want["ok"], case["id"])
            self.assertEqual(report["signatureOk"], want["signatureOk"], case["id"])
            self.assertEqual(report["artifactsOk"], want["artifactsOk"], case["id"])
            self.assertEqual(sorted(e["code"] for e in report["errors"]), sorted(want["errors"]), case["id"])

    def test_signer_lifecycle_vectors(self):
        cases = load_reference("conformance/signer-lifecycle-v1/vectors.json")["cases"]
        self.assertGreater(len(cases), 0)
        for case in cases:
            decision = nooterra.evaluate_signer_lifecycle(case["input"])
            self.assertEqual({k: decision[k] for k in case["expected"]}, case["expected"], case["id"])
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.evaluate_signer_lifecycle("[]")
        self.assertEqual(ctx.exception.reason, "SIGNER_LIFECYCLE_INPUT_INVALID")


class StandingPolicies(unittest.TestCase):
    """conformance/vectors/standing-policies.json (shared with C++ and Node): every case's ranking,
    every build and evaluation error, the normal form and its hash."""

    @classmethod
    def setUpClass(cls):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "conformance", "vectors",
                            "standing-policies.json")
        with open(path, encoding="utf-8") as f:
            cls.vectors = json.load(f)
        cls.built = {name: nooterra.build_standing_policy(p) for name, p in cls.vectors["policies"].items()}

    def test_cases(self):
        cases = self.vectors["cases"]
        self.assertGreaterEqual(len(cases), 30)
        for case in cases:
            r = nooterra.evaluate_standing_policies([self.built[n] for n in case["policies"]], case["envelope"])
            self.assertEqual(r["effect"], case["effect"], case["name"])
            self.assertEqual(r["policyId"], case["winner"], case["name"])
            if case["winner"] is not None:
                self.assertEqual(r["policyHash"], self.built[case["winner"]]["policyHash"], case["name"])
            self.assertEqual([e["reasonCode"] for e in r["evaluations"]], case["reasonCodes"], case["name"])
            self.assertEqual([e["specificity"] for e in r["evaluations"]], case["specificity"], case["name"])

    def test_errors(self):
        for case in self.vectors["buildErrors"]:
            with self.assertRaises(nooterra.InvalidArgumentError, msg=case["name"]) as ctx:
                nooterra.build_standing_policy(case["input"])
            self.assertEqual(ctx.exception.reason, "APPROVAL_STANDING_POLICY_INVALID", case["name"])
            self.assertEqual(ctx.exception.message, case["message"], case["name"])
        for case in self.vectors["evaluateErrors"]:
            with self.assertRaises(nooterra.InvalidArgumentError, msg=case["name"]) as ctx:
                nooterra.evaluate_standing_policies([self.built[n] for n in case["policies"]], case["envelope"])
            self.assertEqual(ctx.exception.reason, case["reason"], case["name"])
            self.assertEqual(ctx.exception.message, case["message"], case["name"])

    def test_normal_form_and_hash(self):
        nf = self.vectors["normalForm"]
        built = nooterra.build_standing_policy(nf["input"])
        core = dict(built)
        stated = core.pop("policyHash")
        self.assertEqual(core, nf["expected"])
        self.assertEqual(stated, nooterra.canonical_hash(nf["expected"]))  # the digest's formula
        self.assertEqual(nooterra.build_standing_policy(built), built)  # a stored policy builds to itself
        built["displayName"] = "changed after hashing"
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.build_standing_policy(built)
        self.assertEqual(ctx.exception.message, "approvalStandingPolicy.policyHash mismatch")


class SpendPolicies(unittest.TestCase):
    """The unified spend policy through the C ABI; the rule table is in
    include/nooterra/spend_policy.h."""

    DOC = {"schemaVersion": "SpendPolicy.v1", "approval": {"aboveCents": 500},
           "deny": {"counterparties": ["agt_evil", "agt_evil"]},
           "windows": [{"scope": "payer", "windowMs": 3600000, "maxCents": 1000}]}

    @staticmethod
    def request(amount, counterparty="agt_b"):
        return {"amountCents": amount, "currency": "USD", "payerAgentId": "agt_a", "counterpartyAgentId": counterparty}

    def test_decisions(self):
        policy = nooterra.SpendPolicy(self.DOC)
        self.assertEqual(policy.normalized["deny"], {"counterparties": ["agt_evil"]})
        import hashlib
        self.assertEqual(policy.hash, hashlib.sha256(
            json.dumps(policy.normalized, sort_keys=True, separators=(",", ":")).encode()).hexdigest())
        spends = [{"at": "2026-01-01T00:30:00Z", "amountCents": 600, "payerAgentId": "agt_a", "currency": "USD",
                   "counterpartyAgentId": "agt_c"}]
        now = "2026-01-01T01:00:00Z"
        self.assertEqual(policy.evaluate(self.request(400), now=now)["outcome"], "allow")
        at_cap = policy.evaluate(self.request(400), now=now, spends=spends)  # 600 + 400 = the cap
        self.assertEqual((at_cap["outcome"], at_cap["reasons"]), ("allow", []))
        over = policy.evaluate(self.request(401), now=now, spends=spends)
        self.assertEqual((over["outcome"], over["reasons"]), ("deny", ["SPEND_WINDOW_PAYER"]))
        self.assertEqual(over["windows"][0]["spentCents"], 600)
        self.assertEqual(policy.evaluate(self.request(501), now="2026-01-01T01:30:00Z", spends=spends)["outcome"],
                         "escalate")
        self.assertEqual(policy.evaluate(self.request(1, "agt_evil"), now=now)["reasons"],
                         ["SPEND_DENYLISTED_COUNTERPARTY"])

    def test_errors(self):
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.SpendPolicy({"schemaVersion": "SpendPolicy.v1", "windows": [{"scope": "payer"}]})
        self.assertEqual(ctx.exception.reason, "POLICY_INVALID")
        self.assertIn("spendPolicy.windows[0].windowMs", str(ctx.exception))
        policy = nooterra.SpendPolicy(self.DOC)
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            policy.evaluate({"amountCents": 0}, now="2026-01-01T00:00:00Z")
        self.assertEqual(ctx.exception.reason, "SPEND_REQUEST_INVALID")
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            policy.evaluate(self.request(1), now="2026-01-01T00:00:00")  # no zone: ambiguous
        self.assertEqual(ctx.exception.reason, "SPEND_TIME_INVALID")

    def test_enforced_on_fund_and_simulated_over_the_spend_log(self):
        now = "2026-06-01T00:00:00Z"
        spend = {"schemaVersion": "SpendPolicy.v1", "windows": [{"scope": "payer", "windowMs": 3600000, "maxCents": 999}]}
        with tempfile.TemporaryDirectory() as tmp, nooterra.Store(os.path.join(tmp, "s"), durable=False) as store:
            h = open_agreement(store, now, policy={"spendPolicy": spend})  # a 1000-cent agreement
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.fund("t", h, now=now, idempotency_key="f1")
            self.assertEqual(ctx.exception.reason, "SPEND_WINDOW_PAYER")
            store.set_wallet_policy("t", "agt_buyer", {}, idempotency_key="p2")
            store.fund("t", h, now=now, idempotency_key="f2")
            report = nooterra.SpendPolicy(spend).simulate(store, "t", "agt_buyer")
            self.assertEqual((report["total"], report["blocked"]), (1, 1))
            self.assertEqual(report["locks"][0]["reasons"], ["SPEND_WINDOW_PAYER"])
            self.assertEqual(report["locks"][0]["spendId"], "fund:" + h)

    def test_threads_share_one_policy(self):
        import threading
        policy = nooterra.SpendPolicy(self.DOC)
        expected = policy.evaluate(self.request(700), now="2026-01-01T00:00:00Z")
        results = []

        def work():
            for _ in range(200):
                results.append(policy.evaluate(self.request(700), now="2026-01-01T00:00:00Z") == expected)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [True] * 800)
        self.assertEqual(expected["outcome"], "escalate")


class PolicyObjects(unittest.TestCase):
    def test_policy_normalizes_evaluates_and_simulates(self):
        default = nooterra.Policy()
        self.assertEqual(default.hash, "006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8")
        capped = nooterra.Policy({"rules": {"maxAutoReleaseAmountCents": 500}})
        self.assertEqual(capped.normalized["rules"]["maxAutoReleaseAmountCents"], 500)
        e = capped.evaluate(verification_status="green", amount_cents=1000)
        self.assertEqual(e["decisionMode"], "manual-review")
        with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
            nooterra.Policy({"rules": {"greenReleaseRatePct": 101}})
        self.assertEqual(ctx.exception.reason, "POLICY_INVALID")
        self.assertEqual(nooterra.normalize_wallet_policy({"maxDailyCents": 5, "maxPerTransactionCents": None}),
                         {"maxDailyCents": 5})
        now = "2026-06-01T00:00:00Z"
        with tempfile.TemporaryDirectory() as tmp, nooterra.Store(os.path.join(tmp, "s"), durable=False) as store:
            h = open_agreement(store, now)
            store.fund("t", h, now=now, idempotency_key="f1")
            settled = store.settle("t", {"agreementHash": h, "decisionId": "d1", "receiptId": "r1",
                                         "verificationStatus": "green"}, now=now, idempotency_key="s1")
            self.assertTrue(nooterra.verify_object(settled["policyDecision"])["ok"])
            report = capped.simulate(store, "t")
            self.assertEqual((report["total"], report["changed"]), (1, 1))
            self.assertEqual(report["decisions"][0]["reasonsAdded"], ["amount_exceeds_auto_release_limit"])
            self.assertEqual(default.simulate(store, "t")["changed"], 0)


class Bundles(unittest.TestCase):
    def test_conformance_pack(self):
        """Every case of the reference's conformance pack v1 (all five bundle kinds): verdict,
        verification verdict, error and warning codes."""
        cases = load_reference("conformance/v1/cases.json")
        trust = load_reference("conformance/v1/trust.json")
        self.assertGreaterEqual(len(cases["cases"]), 32)
        # A case's envOverrides replace the CLI's trust variables: "" removes that anchor.
        env_keys = {"NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON": "governanceRoots",
                    "NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON": "pricingSigners",
                    "NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON": "timeAuthorities"}
        # The four security cases mutate a copy of their bundle: the conformance runner's own
        # mutation code does it (conformance/run.py), so both doors see the same bundles.
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "conformance"))
        import run as conformance_run  # noqa: E402  (a script of this repository, not a package)
        for case in cases["cases"]:
            expected = load_reference(os.path.join("conformance/v1", case["expectedFile"]))
            path = os.path.join(reference_dir(), "conformance/v1", case["bundlePath"])
            tmp = tempfile.mkdtemp(prefix="nooterra-py-bundle-")
            self.addCleanup(shutil.rmtree, tmp, True)
            if case.get("mutations"):
                bundle = os.path.join(tmp, "bundle")
                shutil.copytree(path, bundle, symlinks=True)
                self.assertIsNone(conformance_run.apply_mutations(case, tmp, bundle), case["id"])
                path = bundle
            case_trust = dict(trust)
            for name, value in (case.get("envOverrides") or {}).items():
                case_trust.pop(env_keys[name])
                if value:
                    case_trust[env_keys[name]] = json.loads(value)
            report = nooterra.verify_bundle(path, case["kind"], strict=case["strict"],
                                            fail_on_warnings=case["failOnWarnings"], trust=case_trust,
                                            hash_concurrency=case["hashConcurrency"])
            self.assertEqual(report["ok"], expected["ok"], case["id"])
            self.assertEqual(report["verificationOk"], expected["verificationOk"], case["id"])
            self.assertEqual([e["code"] for e in report["errors"]], expected["errorCodes"], case["id"])
            self.assertEqual([w["code"] for w in report["warnings"]], expected["warningCodes"], case["id"])


class Kernel(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nooterra-py-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_settlement_flow_and_errors(self):
        buyer = nooterra.PrivateKey.from_seed(b"\x01" * 32)
        tool = nooterra.PrivateKey.from_seed(b"\x02" * 32)
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "s"), durable=False) as store:
            store.register_agent("t", "agt_buyer", buyer.public_key_pem)
            store.register_agent("t", "agt_tool", tool.public_key_pem)
            store.deposit("t", "agt_buyer", 5000, idempotency_key="dep")
            created = store.create_agreement("t", {
                "agreement": {"toolId": "tool_x", "callId": "call_1", "manifestHash": "a" * 64,
                              "input": {"q": 1}, "settlementTerms": {"amountCents": 1000, "currency": "USD"},
                              "payerAgentId": "agt_buyer", "payeeAgentId": "agt_tool"},
                "holdbackBps": 1000, "challengeWindowMs": 800}, now=now, idempotency_key="c1")
            h = created["agreement"]["agreementHash"]
            store.fund("t", h, now=now, idempotency_key="f1")
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 4000, "escrow": 1000})
            again = store.fund("t", h, now=now, idempotency_key="f1")
            self.assertTrue(again["alreadyExisted"])
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.fund("t", h, now=now, idempotency_key="f2")
            self.assertEqual(ctx.exception.reason, "TRANSITION_ILLEGAL")
            settled = store.settle("t", {"agreementHash": h, "decisionId": "dec_1", "receiptId": "rcpt_1",
                                         "releaseRatePct": 100, "verificationStatus": "green",
                                         "policyHashUsed": "0" * 64}, now=now, idempotency_key="s1")
            self.assertEqual(settled["hold"]["heldAmountCents"], 100)
            self.assertTrue(nooterra.verify_object(settled["settlementReceipt"])["ok"])
            self.assertEqual(store.wallet("t", "agt_tool"), {"available": 900, "escrow": 0})
            report = store.run_maintenance("t", now="2026-06-01T00:00:01Z")
            self.assertEqual(report["released"], 1)
            self.assertEqual(store.balance("t", "agt_tool"), 1000)
            self.assertEqual(store.check("t"), [])
            # The whole-store audit: sound, until money sits in escrow that no agreement or hold
            # accounts for (a raw posting in another tenant).
            self.assertEqual(store.audit(), {"ok": True, "tenants": [store.audit("t")["tenants"][0]]})
            self.assertEqual(store.audit("t")["tenants"][0]["violations"], [])
            store.ledger_post("u", {"id": "esc_1", "memo": "", "postings": [
                {"owner": "external", "currency": "USD", "bucket": "external", "amount": -100},
                {"owner": "agt_x", "currency": "USD", "bucket": "escrow", "amount": 100}]})
            self.assertEqual(store.tenants(), ["t", "u"])
            audit = store.audit()
            self.assertFalse(audit["ok"])
            self.assertEqual([t["tenant"] for t in audit["tenants"]], ["t", "u"])
            self.assertEqual(len(audit["tenants"][1]["violations"]), 1)
            self.assertIn("agt_x", audit["tenants"][1]["violations"][0])

            # A ledger batch: all or nothing, the failing entry named by its index.
            def move(entry_id: str, frm: str, to: str, n: int) -> dict:
                return {"id": entry_id, "memo": "", "postings": [
                    {"owner": frm, "currency": "USD", "bucket": "available", "amount": -n},
                    {"owner": to, "currency": "USD", "bucket": "available", "amount": n}]}
            store.ledger_post("u", {"id": "dep_u", "memo": "", "postings": [
                {"owner": "external", "currency": "USD", "bucket": "external", "amount": -50},
                {"owner": "agt_x", "currency": "USD", "bucket": "available", "amount": 50}]})
            store.ledger_post_batch("u", [move("m1", "agt_x", "agt_y", 50), move("m2", "agt_y", "agt_z", 50)])
            self.assertEqual(store.balance("u", "agt_z"), 50)
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.ledger_post_batch("u", [move("m3", "agt_z", "agt_y", 10), move("m4", "agt_y", "agt_x", 11)])
            self.assertIn("(batch entry 1)", str(ctx.exception))
            self.assertEqual(store.balance("u", "agt_z"), 50)
            with self.assertRaises(nooterra.InvalidArgumentError):
                store.audit("")
            with self.assertRaises(nooterra.NotFoundError) as ctx:
                store.get("t", "receipt", "rcpt_none")
            self.assertIsInstance(ctx.exception, KeyError)
            with self.assertRaises(nooterra.NotFoundError):
                store.get("t", "adjustment", "sadj_none")
            with self.assertRaises(nooterra.AlreadyExistsError) as ctx:
                store.deposit("t", "agt_buyer", 1, idempotency_key="dep")
            self.assertEqual(ctx.exception.reason, "IDEMPOTENCY_KEY_CONFLICT")
        self.assertTrue(store.closed)
        with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
            store.check("t")
        self.assertEqual(ctx.exception.reason, "STORE_CLOSED")

    def test_void_and_the_tool_call_holdback_machine(self):
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "h"), durable=False) as store:
            h = open_agreement(store, now)
            store.fund("t", h, now=now, idempotency_key="f1")
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 4000, "escrow": 1000})
            store.void("t", h, now=now, idempotency_key="v1")
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 5000, "escrow": 0})
            self.assertTrue(store.void("t", h, now=now, idempotency_key="v1")["alreadyExisted"])
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.fund("t", h, now=now, idempotency_key="f2")  # a voided agreement is closed
            self.assertEqual(ctx.exception.reason, "TRANSITION_ILLEGAL")
            # A tool-call hold: 20 % of 1000 held for an 800 ms challenge window.
            request = {"agreementHash": "b" * 64, "receiptHash": "c" * 64, "payerAgentId": "agt_buyer",
                       "payeeAgentId": "agt_tool", "amountCents": 1000, "currency": "USD",
                       "holdbackBps": 2000, "challengeWindowMs": 800}
            # A suspended payee blocks the lock; active again, it goes through.
            self.assertEqual(store.set_agent_status("t", "agt_tool", "suspended", reason="audit", now=now,
                                                    idempotency_key="st1")["status"], "suspended")
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.lock_hold("t", request, now=now, idempotency_key="l0")
            self.assertEqual(ctx.exception.reason, "AGENT_SUSPENDED")
            store.apply_batch("t", [{"operation": "set_agent_status", "subject": "agt_tool",
                                     "request": {"status": "active"}, "now": now, "idempotency_key": "st2"}])
            self.assertEqual([c["status"] for c in store.get("t", "agent_status", "agt_tool")["history"]],
                             ["suspended", "active"])
            with self.assertRaises(nooterra.NotFoundError):
                store.set_agent_status("t", "agt_none", "revoked", now=now, idempotency_key="st3")
            locked = store.lock_hold("t", request, now=now, idempotency_key="l1")
            self.assertEqual((locked["hold"]["heldAmountCents"], locked["hold"]["status"]), (200, "held"))
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 4800, "escrow": 200})
            self.assertTrue(store.lock_hold("t", request, now=now, idempotency_key="l1")["alreadyExisted"])
            # Nobody arbitrates their own dispute: an operator's open naming the payer is refused.
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.open_dispute("t", {"agreementHash": "b" * 64, "receiptHash": "c" * 64,
                                         "holdHash": locked["hold"]["holdHash"], "openedByAgentId": "agt_tool",
                                         "arbiterAgentId": "agt_buyer", "summary": "late delivery",
                                         "adminOverride": {"reason": "escalated", "principalId": "ops_1"}},
                                   now=now, idempotency_key="d1")
            self.assertEqual(ctx.exception.reason, "DISPUTE_ARBITER_IS_PARTY")
            with self.assertRaises(nooterra.AlreadyExistsError) as ctx:
                store.lock_hold("t", dict(request, amountCents=999), now=now, idempotency_key="l1")
            self.assertEqual(ctx.exception.reason, "IDEMPOTENCY_KEY_CONFLICT")
            # Inside the window nothing moves; after it the tick releases the holdback to the payee.
            self.assertEqual(store.run_maintenance("t", now="2026-06-01T00:00:00.500Z")["released"], 0)
            self.assertEqual(store.run_maintenance("t", now="2026-06-01T00:00:01Z")["released"], 1)
            self.assertEqual(store.balance("t", "agt_tool"), 200)
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 4800, "escrow": 0})
            # Replay evaluation: released by the tick without a dispute, so no adjustment may exist.
            replay = store.replay_evaluate("t", "b" * 64)
            self.assertEqual((replay["replay"]["stage"], replay["replay"]["actual"]["holdStatus"]),
                             ("no_dispute", "released"))
            self.assertTrue(replay["comparisons"]["chainConsistent"])
            self.assertEqual((replay["issues"], replay["caseId"], replay["adjustmentId"]), ([], None, None))
            # The auto-release is a reputation event about the payee.
            facts = store.reputation_facts("t", "agt_tool", as_of="2026-06-01T00:00:01Z", tool_id="tool_call",
                                           include_events=True)
            self.assertEqual(facts["facts"]["totals"]["eventCount"], 1)
            self.assertEqual(facts["facts"]["totals"]["economics"]["autoReleasedCents"], 200)
            self.assertEqual(facts["events"][0]["eventId"], "rep_rel_" + "b" * 64)
            self.assertTrue(nooterra.verify_object(facts["events"][0])["ok"])
            self.assertEqual(store.reputation_facts("t", "agt_tool", as_of="2026-06-01T00:00:00.999Z",
                                                    window="7d")["facts"]["totals"]["eventCount"], 0)
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.reputation_facts("t", "agt_tool", as_of="2026-06-01T00:00:01Z", window="1d")
            self.assertEqual(ctx.exception.reason, "SCHEMA_INVALID")
            with self.assertRaises(nooterra.NotFoundError) as ctx:
                store.replay_evaluate("t", "d" * 64)
            self.assertEqual(ctx.exception.reason, "TOOL_CALL_HOLD_NOT_FOUND")
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.replay_evaluate("t", "B" * 64)
            self.assertEqual(ctx.exception.reason, "SCHEMA_INVALID")
            self.assertTrue(store.audit()["ok"])

    def test_marketplace_run_replay_evaluate(self):
        """kernel-v0 case B through the binding: RFQ, bid, acceptance, evidence, completion,
        the settlement's decision record and the run's replay evaluation."""
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "m"), durable=False) as store:
            store.register_agent("t", "agt_payer", nooterra.PrivateKey.from_seed(b"\x05" * 32).public_key_pem)
            store.register_agent("t", "agt_payee", nooterra.PrivateKey.from_seed(b"\x06" * 32).public_key_pem)
            store.deposit("t", "agt_payer", 25000, idempotency_key="dep")
            store.create_rfq("t", {"rfqId": "rfq_1", "posterAgentId": "agt_payer", "budgetCents": 10000,
                                   "capability": "conformance.replay_evaluate"}, now=now, idempotency_key="r")
            store.submit_bid("t", "rfq_1", {
                "bidId": "bid_1", "bidderAgentId": "agt_payee", "amountCents": 10000, "etaSeconds": 60,
                "verificationMethod": {"mode": "deterministic",
                                       "source": "verifier://nooterra/deterministic/latency-threshold-v1"}},
                now=now, idempotency_key="b")
            accepted = store.accept_bid("t", "rfq_1", {"bidId": "bid_1", "payerAgentId": "agt_payer"}, now=now,
                                        idempotency_key="a")
            run_id = accepted["runId"]
            self.assertEqual(run_id, "run_rfq_1_bid_1")
            self.assertEqual(store.wallet("t", "agt_payer"), {"available": 15000, "escrow": 10000})
            head = accepted["run"]["lastChainHash"]
            ev = store.append_run_event("t", run_id, {"expectedPrevChainHash": head, "type": "EVIDENCE_ADDED",
                                                      "payload": {"evidenceRef": "evidence://x"}},
                                        now=now, idempotency_key="e1")
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.append_run_event("t", run_id, {"expectedPrevChainHash": head, "type": "RUN_COMPLETED"},
                                       now=now, idempotency_key="stale")
            self.assertEqual(ctx.exception.reason, "RUN_EVENT_PREV_CHAIN_HASH_MISMATCH")
            # Through apply_batch by name, like any operation.
            done = store.apply_batch("t", [{"operation": "append_run_event", "subject": run_id, "request": {
                "expectedPrevChainHash": ev["run"]["lastChainHash"], "type": "RUN_COMPLETED",
                "payload": {"metrics": {"latencyMs": 250}}}, "now": now, "idempotency_key": "e2"}])
            self.assertTrue(done[0]["ok"])
            settlement = store.get("t", "run_settlement", run_id)
            offer = store.get("t", "offer", run_id)
            self.assertEqual(offer["schemaVersion"], "MarketplaceOffer.v2")
            self.assertEqual(store.get("t", "run_agreement", run_id)["offerRef"]["offerHash"], offer["offerHash"])
            self.assertEqual(store.get("t", "acceptance", run_id)["offerRef"]["offerHash"], offer["offerHash"])
            record = settlement["decisionTrace"]["decisionRecord"]
            self.assertEqual(record["verifierRef"]["verifierId"], "nooterra.deterministic.latency-threshold")
            self.assertEqual(settlement["decisionStatus"], "auto_resolved")
            self.assertEqual(store.wallet("t", "agt_payee"), {"available": 10000, "escrow": 0})
            self.assertEqual([e["type"] for e in store.get("t", "run", run_id)["events"]],
                             ["RUN_CREATED", "EVIDENCE_ADDED", "RUN_COMPLETED"])
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:  # settled automatically
                store.resolve_run_settlement("t", run_id, 50, now=now, idempotency_key="res")
            self.assertEqual(ctx.exception.reason, "TRANSITION_ILLEGAL")
            replay = store.replay_evaluate_run("t", run_id)
            self.assertTrue(all(replay["comparisons"].values()), replay["comparisons"])
            self.assertTrue(store.audit()["ok"])
            with self.assertRaises(nooterra.NotFoundError):
                store.replay_evaluate_run("t", "run_none")

    def test_apply_batch_group_commits_with_per_operation_results(self):
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "b"), durable=False) as store:
            store.register_agent("t", "agt_buyer", nooterra.PrivateKey.from_seed(b"\x01" * 32).public_key_pem)
            results = store.apply_batch("t", [
                {"operation": "deposit", "request": {"agentId": "agt_buyer", "currency": "USD", "amountCents": 70},
                 "now": now, "idempotency_key": "d1"},
                {"operation": "fund", "subject": "0" * 64, "now": now, "idempotency_key": "f1"},
                {"operation": "deposit", "request": {"agentId": "agt_buyer", "currency": "USD", "amountCents": 70},
                 "now": now, "idempotency_key": "d1"},
            ])
            self.assertEqual([r["ok"] for r in results], [True, False, True])
            self.assertEqual(results[0]["result"]["availableCents"], 70)
            self.assertEqual((results[1]["code"], results[1]["codeNumber"], results[1]["reason"]),
                             ("NOT_FOUND", 5, "AGREEMENT_NOT_FOUND"))
            self.assertTrue(results[2]["alreadyExisted"])
            self.assertEqual(store.balance("t", "agt_buyer"), 70)
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.apply_batch("t", [])
            self.assertEqual(ctx.exception.reason, "BATCH_EMPTY")
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.apply_batch("t", [{"operation": "pay", "now": now, "idempotency_key": "k"}])
            self.assertEqual(ctx.exception.reason, "AGREEMENT_OPERATION_UNKNOWN")

    def test_apply_text_returns_the_same_result_as_text(self):
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "text"), durable=False) as store:
            h = open_agreement(store, now)
            text, existed = store.apply_text("t", "fund", subject=h, now=now, idempotency_key="f1")
            self.assertFalse(existed)
            self.assertEqual(nooterra.canonicalize(text), text)  # canonical JSON, as from C
            self.assertEqual(store.fund("t", h, now=now, idempotency_key="f1"), dict(json.loads(text), alreadyExisted=True))
            again, existed = store.apply_text("t", "fund", subject=h, now=now, idempotency_key="f1")
            self.assertEqual((again, existed), (text, True))
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.apply_text("t", "pay", now=now, idempotency_key="k")
            self.assertEqual(ctx.exception.reason, "AGREEMENT_OPERATION_UNKNOWN")
            with self.assertRaises(nooterra.FailedPreconditionError):
                store.apply_text("t", "fund", subject=h, now=now, idempotency_key="f2")  # already funded

    def test_nul_in_c_string_arguments_is_refused(self):
        """A NUL inside a tenant, id, key or time would truncate it to another tenant or key in
        the C ABI ("t\\0x" read tenant "t"'s balance): every store method refuses it and
        changes nothing."""
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "nul"), durable=False) as store:
            store.deposit("t", "agt_a", 100, idempotency_key="k")
            before = store.state_hash("t")
            calls = [
                lambda: store.balance("t\0x", "agt_a"),
                lambda: store.balance("t", "agt_a\0x"),
                lambda: store.check("t\0x"),
                lambda: store.state_hash("t\0x"),
                lambda: store.deposit("t\0x", "agt_a", 1, idempotency_key="k2"),
                lambda: store.deposit("t", "agt_a", 1, idempotency_key="k\0x"),
                lambda: store.deposit("t", "agt_a\0x", 1, idempotency_key="k3"),
                lambda: store.fund("t", "h\0x", now=now, idempotency_key="f"),
                lambda: store.fund("t", "h", now=now + "\0", idempotency_key="f"),
                lambda: store.get("t\0x", "agreement", "h"),
                lambda: store.run_maintenance("t\0x", now=now),
                lambda: store.apply_batch("t", [{"operation": "deposit", "now": now, "idempotency_key": "b\0",
                                                 "request": {"agentId": "agt_a", "currency": "USD", "amountCents": 1}}]),
                lambda: store.apply_batch("t\0x", [{"operation": "deposit", "now": now, "idempotency_key": "b",
                                                     "request": {"agentId": "agt_a", "currency": "USD", "amountCents": 1}}]),
            ]
            for i, call in enumerate(calls):
                with self.subTest(call=i), self.assertRaises(ValueError):
                    call()
            self.assertEqual(store.state_hash("t"), before)
            self.assertEqual(store.balance("t", "agt_a"), 100)
        with self.assertRaises(ValueError):
            nooterra.Store(os.path.join(self.dir, "nul\0x"), durable=False)

    def test_apply_text_inputs(self):
        """apply_text reads its inputs in place in the extension (METH_FASTCALL): every accepted
        request form gives the same bytes, and wrong inputs are errors, not crashes."""
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "text_inputs"), durable=False) as store:
            request = {"agentId": "agt_a", "currency": "USD", "amountCents": 5}
            as_dict, _ = store.apply_text("t", "deposit", request, now=now, idempotency_key="d1")
            for form in (json.dumps(request), json.dumps(request).encode()):
                text, existed = store.apply_text("t", "deposit", form, now=now, idempotency_key="d1")
                self.assertEqual((text, existed), (as_dict, True))
            with self.assertRaises(TypeError):
                store.apply_text(7, "deposit", request, now=now, idempotency_key="d2")
            with self.assertRaises(TypeError):
                store.apply_text("t", "deposit", request, now=None, idempotency_key="d2")
            with self.assertRaises(TypeError):
                store.apply_text("t", "fund", subject=b"x", now=now, idempotency_key="d2")
            with self.assertRaises(ValueError):
                store.apply_text("t\0x", "deposit", request, now=now, idempotency_key="d2")
            with self.assertRaises(nooterra.InvalidArgumentError):
                store.apply_text("t", "deposit", "{not json", now=now, idempotency_key="d3")
            # The per-instance fast binding and the class attribute are the same call.
            self.assertEqual(nooterra.Store.apply_text(store, "t", "deposit", request=request, now=now,
                                                       idempotency_key="d1"), (as_dict, True))
            self.assertEqual(store.apply_text("t", "deposit", request=request, now=now, idempotency_key="d1"),
                             (as_dict, True))
            with self.assertRaises(TypeError):
                store.apply_text("t", "deposit", request, now=now)  # no idempotency_key
            with self.assertRaises(TypeError):
                store.apply_text("t", "deposit", request, now=now, idempotency_key="d1", extra=1)
            with self.assertRaises(TypeError):
                store.apply_text("t", now=now, idempotency_key="d1")
            with self.assertRaises(TypeError):  # neither JSON text nor JSON-serializable data
                store.apply_text("t", "deposit", {"agentId": object()}, now=now, idempotency_key="d5")
            with self.assertRaises(TypeError):
                _nooterra.apply_text(object(), "t", 9, None, None, now, "k")
            with self.assertRaises(TypeError):
                _nooterra.apply_text(store._s, "t", 9, None, None, now)
        with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
            store.apply_text("t", "deposit", request, now=now, idempotency_key="d4")
        self.assertEqual(ctx.exception.reason, "STORE_CLOSED")

    def test_apply_batch_paths_agree(self):
        """A list of plain dicts takes the extension's one-pass path; any other iterable, or an
        operation that is not plain data, the general one. Both must give the same results."""
        import types
        now = "2026-06-01T00:00:00Z"

        def ops():
            return [
                {"operation": "deposit", "request": {"agentId": "agt_a", "currency": "USD", "amountCents": 5},
                 "now": now, "idempotency_key": "d1"},
                {"operation": "deposit", "request": '{"agentId":"agt_b","currency":"USD","amountCents":7}',
                 "now": now, "idempotency_key": "d2"},
                {"operation": "deposit", "request": {"agentId": "agt_a", "currency": "USD", "amountCents": 0},
                 "now": now, "idempotency_key": "d3"},
                {"operation": "fund", "subject": "0" * 64, "request": None, "now": now, "idempotency_key": "f1"},
                {"operation": "deposit", "request": {"agentId": "agt_a", "currency": "USD", "amountCents": 5},
                 "now": now, "idempotency_key": "d1"},
            ]

        variants = {
            "list of dicts": ops(),
            "generator": (op for op in ops()),
            "mapping proxy": [types.MappingProxyType(op) for op in ops()],
            "bytes request": [dict(op, request=op["request"].encode()) if isinstance(op["request"], str) else op
                              for op in ops()],
        }
        outcomes = {}
        for name, batch in variants.items():
            with nooterra.Store(os.path.join(self.dir, name.replace(" ", "_")), durable=False) as store:
                outcomes[name] = (store.apply_batch("t", batch), store.state_hash("t"))
        first = outcomes["list of dicts"]
        self.assertEqual([r["ok"] for r in first[0]], [True, True, False, False, True])
        # include/nooterra/agreement.h: a deposit below 1 cent is INVALID_ARGUMENT (SCHEMA_INVALID).
        self.assertEqual((first[0][2]["code"], first[0][2]["reason"]), ("INVALID_ARGUMENT", "SCHEMA_INVALID"))
        for name, outcome in outcomes.items():
            self.assertEqual(outcome, first, name)
        with nooterra.Store(os.path.join(self.dir, "missing"), durable=False) as store:
            with self.assertRaises(KeyError):
                store.apply_batch("t", [{"operation": "deposit", "request": {}, "idempotency_key": "k"}])
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.apply_batch("t", [{"operation": 9, "now": now, "idempotency_key": "k"}])
            self.assertEqual(ctx.exception.reason, "AGREEMENT_OPERATION_UNKNOWN")

    def test_wallet_policy_blocks_a_lock_over_the_limit(self):
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "w"), durable=False) as store:
            h = open_agreement(store, now, policy={"maxPerTransactionCents": 999})
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                store.fund("t", h, now=now, idempotency_key="f1")
            self.assertEqual(ctx.exception.reason, "WALLET_POLICY_MAX_PER_TX")
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 5000, "escrow": 0})
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.set_wallet_policy("t", "agt_buyer", {"maxDailyCents": 1.5}, idempotency_key="p2")
            self.assertEqual(ctx.exception.reason, "POLICY_INVALID")

    def test_an_escalated_fund_is_approved_by_a_signed_operator_action(self):
        now = "2026-06-01T00:00:00Z"
        approver = nooterra.PrivateKey.from_seed(b"\x07" * 32)
        with nooterra.Store(os.path.join(self.dir, "e"), durable=False) as store:
            h = open_agreement(store, now, extra_agents=[("agt_approver", approver)],
                               policy={"requireApprovalAboveCents": 500, "approverAgentIds": ["agt_approver"]})
            escalated = store.fund("t", h, now=now, idempotency_key="f1")
            self.assertEqual(escalated["escalation"]["status"], "pending")
            escalation_id = escalated["escalation"]["escalationId"]
            action = nooterra.build_object("OperatorAction.v1", {
                "caseRef": {"kind": "escalation", "caseId": escalation_id}, "action": "APPROVE",
                "justificationCode": "WITHIN_BUDGET", "actor": {"operatorId": "agt_approver"}, "actedAt": now},
                signer=approver)
            decided = store.resolve_escalation("t", escalation_id, action["object"], now=now, idempotency_key="r1")
            self.assertEqual(decided["record"]["status"], "funded")
            self.assertEqual(store.get("t", "escalation", escalation_id)["status"], "approved")
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 4000, "escrow": 1000})

    def test_fund_risk_inputs_reach_the_spend_policy(self):
        now = "2026-06-01T00:00:00Z"
        with nooterra.Store(os.path.join(self.dir, "risk"), durable=False) as store:
            h = open_agreement(store, now, policy={"spendPolicy": {
                "schemaVersion": "SpendPolicy.v1", "risk": {"challengeAtScore": 50, "denySignals": ["stolen_card"]}}})
            for kwargs, reason in (({"risk_score": 60}, "SPEND_RISK_SCORE_CHALLENGE"),
                                   ({"risk_signals": ["stolen_card"]}, "SPEND_RISK_SIGNAL")):
                with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                    store.fund("t", h, now=now, idempotency_key="f_" + reason, **kwargs)
                self.assertEqual(ctx.exception.reason, reason)
            with self.assertRaises(nooterra.InvalidArgumentError) as ctx:
                store.fund("t", h, now=now, idempotency_key="f_bad", risk_score=101)
            self.assertEqual(ctx.exception.reason, "SPEND_REQUEST_INVALID")
            self.assertEqual(store.wallet("t", "agt_buyer"), {"available": 5000, "escrow": 0})
            funded = store.fund("t", h, now=now, idempotency_key="f_ok", risk_score=10, risk_signals=["new_device"])
            self.assertEqual(funded["record"]["status"], "funded")

    def test_audit_trail_replays_to_the_same_state_hash(self):
        with nooterra.Store(os.path.join(self.dir, "src"), durable=False) as src, \
                nooterra.Store(os.path.join(self.dir, "dst"), durable=False) as dst:
            src.register_agent("t", "agt_a", nooterra.PrivateKey.from_seed(b"\x05" * 32).public_key_pem)
            src.deposit("t", "agt_a", 40, idempotency_key="d1")
            self.assertEqual(src.verify_log("t")["entries"], 2)
            report = dst.replay_from(src, "t")
            self.assertEqual(report, {"entries": 2, "stateHash": src.state_hash("t")})
            self.assertEqual(dst.state_hash("t"), src.state_hash("t"))
            with self.assertRaises(nooterra.FailedPreconditionError) as ctx:
                dst.replay_from(src, "t")
            self.assertEqual(ctx.exception.reason, "REPLAY_TARGET_NOT_EMPTY")

    def test_interpreter_exit_with_open_stores_and_busy_threads(self):
        import subprocess
        import sys
        script = f"""
import threading, nooterra
a = nooterra.Store({os.path.join(self.dir, 'a')!r}, durable=False)
b = nooterra.Store({os.path.join(self.dir, 'b')!r})
a.deposit("t", "agt", 5, idempotency_key="d")
def spin():
    while True:
        a.balance("t", "agt")
for _ in range(3):
    threading.Thread(target=spin, daemon=True).start()
print("exiting", flush=True)
"""  # the stores are never closed; daemon threads are mid-call at exit
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("exiting", r.stdout)

    def test_threads_share_a_store_and_verify_concurrently(self):
        vectors = load_reference("conformance/v1/protocol-vectors/v1.json")
        with nooterra.Store(os.path.join(self.dir, "s"), durable=False) as store:
            errors = []

            def work(i: int) -> None:
                try:
                    for j in range(20):
                        store.ledger_post("t", {"id": f"dep_{i}_{j}", "memo": "", "postings": [
                            {"owner": "external", "currency": "USD", "bucket": "external", "amount": -1},
                            {"owner": f"agt_{i}", "currency": "USD", "bucket": "available", "amount": 1}]})
                        assert nooterra.verify_object(vectors["settlementReceipt"]["canonicalJson"])["ok"]
                except Exception as e:  # pragma: no cover - reported below
                    errors.append(e)

            threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertEqual(sum(store.balance("t", f"agt_{i}") for i in range(4)), 80)
            self.assertEqual(store.check("t"), [])


if __name__ == "__main__":
    unittest.main()
