'use strict';
// Canonical JSON, hashing, keys, protocol objects, policy and bundle verdicts through the Node
// package, checked against the reference vectors (the same checks as the Python suite).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nooterra, referencePath, loadReference, loadVectors } = require('./helpers');

const KERNEL_ENTRIES = ['toolManifest', 'toolCallAgreement', 'toolCallEvidence', 'settlementDecisionRecord',
  'settlementDecisionRecordV2', 'settlementReceipt', 'policyDecision', 'operatorAction', 'marketplaceOffer',
  'marketplaceAcceptance', 'reputationEvent', 'disputeOpenEnvelope', 'agreementDelegation', 'agentWallet',
  'agentRunSettlement'];

test('canonical JSON: the protocol vectors', () => {
  const cases = loadReference('conformance/v1/protocol-vectors/v1.json').canonicalJson.cases;
  assert.ok(cases.length >= 3);
  for (const c of cases) {
    for (const v of ['value', 'valueA', 'valueB']) {
      if (!(v in c)) continue;
      const text = JSON.stringify(c[v]);
      assert.equal(nooterra.canonicalize(text), c.canonical, c.name);
      assert.equal(nooterra.canonicalHash(text), c.sha256, c.name);
      assert.equal(nooterra.canonicalHash(c[v]), c.sha256, c.name);
    }
  }
});

test('canonical JSON: text, bytes and typed errors', () => {
  assert.equal(nooterra.canonicalize('{"b":1,"a":[2,1]}'), '{"a":[2,1],"b":1}');
  assert.equal(nooterra.canonicalize(Buffer.from('{"10":1,"2":2,"a":3,"B":4}')), '{"2":2,"10":1,"B":4,"a":3}');
  assert.equal(nooterra.sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(nooterra.sha256Hex(new Uint8Array([0x61, 0x62, 0x63])),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.throws(() => nooterra.canonicalize('{"a":'), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'NOOTERRA_INVALID_ARGUMENT');
    assert.equal(e.nooterraCode, 3);
    assert.equal(e.reason, 'JSON_SYNTAX');
    assert.equal(e.offset, 5);
    return true;
  });
  assert.throws(() => nooterra.canonicalize(42), { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'ARGUMENT_TYPE' });
});

test('keys and signatures', () => {
  const vectors = loadReference('conformance/v1/protocol-vectors/v1.json');
  const keys = loadReference('keys/ed25519_test_keypair.json');
  const key = nooterra.PrivateKey.fromPem(keys.privateKeyPem);
  assert.equal(key.keyId, vectors.signer.keyId);
  assert.equal(nooterra.keyId(keys.publicKeyPem), key.keyId);
  const digest = nooterra.sha256Hex('hello');
  const signature = key.signHash(digest);
  assert.equal(signature.length, 64);
  assert.ok(nooterra.verifySignature(keys.publicKeyPem, digest, signature));
  assert.ok(!nooterra.verifySignature(keys.publicKeyPem, nooterra.sha256Hex('x'), signature));
  const seeded = nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 7));
  assert.equal(seeded.keyId, nooterra.PrivateKey.fromSeed(Buffer.alloc(32, 7)).keyId);
  assert.notEqual(nooterra.PrivateKey.generate().keyId, nooterra.PrivateKey.generate().keyId);
  assert.throws(() => nooterra.PrivateKey.fromPem('not a key'), { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'KEY_INVALID_PEM' });
  assert.throws(() => key.signHash('abc'), { reason: 'ARGUMENT_TYPE' });
});

test('objects: every kernel vector verifies and validates', () => {
  const vectors = loadReference('conformance/v1/protocol-vectors/v1.json');
  const publicPem = loadReference('keys/ed25519_test_keypair.json').publicKeyPem;
  for (const name of KERNEL_ENTRIES) {
    const entry = vectors[name];
    const report = nooterra.verifyObject(entry.canonicalJson, [publicPem]);
    assert.ok(report.ok, `${name}: ${JSON.stringify(report)}`);
    assert.equal(report.schemaVersion, entry.schemaVersion);
    assert.equal(nooterra.validateObject(entry.canonicalJson).schemaVersion, entry.schemaVersion);
  }
});

test('objects: rebuild agreement and evidence byte for byte; tamper; re-sign', () => {
  const vectors = loadReference('conformance/v1/protocol-vectors/v1.json');
  const key = nooterra.PrivateKey.fromPem(loadReference('keys/ed25519_test_keypair.json').privateKeyPem);
  const agreement = JSON.parse(vectors.toolCallAgreement.canonicalJson);
  delete agreement.agreementHash;
  delete agreement.inputHash;
  agreement.input = JSON.parse(vectors.toolCallAgreement.inputCanonicalJson);
  let built = nooterra.buildObject('ToolCallAgreement.v1', agreement);
  assert.equal(built.canonical, vectors.toolCallAgreement.canonicalJson);
  assert.equal(built.hash, vectors.toolCallAgreement.agreementHash);
  const evidence = JSON.parse(vectors.toolCallEvidence.canonicalJson);
  for (const k of ['evidenceHash', 'outputHash', 'signature']) delete evidence[k];
  evidence.output = JSON.parse(vectors.toolCallEvidence.outputCanonicalJson);
  built = nooterra.buildObject(nooterra.ObjectType.TOOL_CALL_EVIDENCE, evidence, { signer: key });
  assert.equal(built.canonical, vectors.toolCallEvidence.canonicalJson);

  const receipt = JSON.parse(vectors.settlementReceipt.canonicalJson);
  receipt.releasedAmountCents += 1;
  const report = nooterra.verifyObject(receipt);
  assert.equal(report.ok, false);
  assert.equal(report.errors[0].code, 'OBJECT_HASH_MISMATCH');
  assert.throws(() => nooterra.buildObject(nooterra.ObjectType.FUNDING_HOLD, { tenantId: 't' }),
    (e) => e.code === 'NOOTERRA_INVALID_ARGUMENT' && e.reason.startsWith('OBJECT_'));
  assert.throws(() => nooterra.buildObject('Nope.v1', {}), { reason: 'OBJECT_TYPE_UNKNOWN' });
  const resigned = nooterra.signObject(vectors.policyDecision.canonicalJson, key);
  assert.equal(resigned.canonical, vectors.policyDecision.canonicalJson);
  assert.equal(nooterra.objectHash(vectors.settlementReceipt.canonicalJson), JSON.parse(vectors.settlementReceipt.canonicalJson).receiptHash);
});

test('policy: the settlement-policy digest vectors', () => {
  let e = nooterra.evaluateSettlementPolicy({
    verificationMethod: { source: 'verifier://nooterra/deterministic/latency-threshold-v1' },
    verificationStatus: 'green', amountCents: 10000,
  });
  assert.equal(e.policyHash, '006f47946e597e5662c734cd90aa75384abaddc83cb1309a66684818a140c0d8');
  assert.equal(e.verificationMethodHash, '051cd7c3ee4d3985017dc554d72eadc6873483a18dc3f48b052f77bd7e1ce2ff');
  assert.equal(e.shouldAutoResolve, true);
  e = nooterra.evaluateSettlementPolicy({
    policy: { mode: 'automatic', rules: { requireDeterministicVerification: true, maxAutoReleaseAmountCents: 5000 } },
    verificationMethod: { mode: 'attested' }, verificationStatus: 'amber', amountCents: 10001,
  });
  assert.equal(e.decisionMode, 'manual-review');
  assert.deepEqual(e.reasonCodes, ['verification_method_not_deterministic', 'amount_exceeds_auto_release_limit',
    'auto_release_disabled_for_amber']);
  assert.deepEqual([e.releaseAmountCents, e.refundAmountCents], [5000, 5001]);
  assert.throws(() => nooterra.evaluateSettlementPolicy({
    policy: { rules: { greenReleaseRatePct: 101 } }, verificationStatus: 'green', amountCents: 1,
  }), { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'POLICY_INVALID' });
});

test('bundles: every conformance case of the pack (five kinds), on worker threads', async () => {
  const cases = loadReference('conformance/v1/cases.json').cases;
  const trust = loadReference('conformance/v1/trust.json');
  assert.ok(cases.length >= 32);
  // A case's envOverrides replace the CLI's trust variables: '' removes that anchor.
  const envKeys = { NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON: 'governanceRoots',
    NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON: 'pricingSigners', NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON: 'timeAuthorities' };
  const trustOf = (c) => {
    const t = { ...trust };
    for (const [name, value] of Object.entries(c.envOverrides || {})) {
      delete t[envKeys[name]];
      if (value) t[envKeys[name]] = JSON.parse(value);
    }
    return t;
  };
  // The four security cases mutate a copy of their bundle, as conformance/run.py does.
  const temporary = [];
  const bundleOf = (c) => {
    const src = referencePath(path.join('conformance/v1', c.bundlePath));
    if (!c.mutations) return src;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nooterra-node-bundle-'));
    temporary.push(tmp);
    const bundle = path.join(tmp, 'bundle');
    fs.cpSync(src, bundle, { recursive: true, verbatimSymlinks: true });
    const rewrite = (edit) => {
      const file = path.join(bundle, 'manifest.json');
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
      edit(manifest);
      fs.writeFileSync(file, `${JSON.stringify(manifest)}\n`);
    };
    for (const m of c.mutations) {
      if (m.type === 'manifest_add_entry') rewrite((man) => man.files.push(m.entry));
      else if (m.type === 'manifest_duplicate_entry') rewrite((man) => man.files.push({ ...man.files.find((e) => e.name === m.name) }));
      else if (m.type === 'write_outside_file') fs.writeFileSync(path.join(tmp, m.relativeOutsidePath), m.contents);
      else if (m.type === 'replace_with_symlink') {
        fs.rmSync(path.join(bundle, m.name));
        fs.symlinkSync(m.targetRelative, path.join(bundle, m.name));
      } else throw new Error(`unknown mutation ${m.type}`);
    }
    return bundle;
  };
  const reports = await Promise.all(cases.map((c) => nooterra.verifyBundle(bundleOf(c),
    { kind: c.kind, strict: c.strict, failOnWarnings: c.failOnWarnings, trust: trustOf(c), hashConcurrency: c.hashConcurrency })));
  for (const t of temporary) fs.rmSync(t, { recursive: true, force: true });
  cases.forEach((c, i) => {
    const expected = loadReference(path.join('conformance/v1', c.expectedFile));
    assert.equal(reports[i].ok, expected.ok, c.id);
    assert.equal(reports[i].verificationOk, expected.verificationOk, c.id);
    assert.deepEqual(reports[i].errors.map((e) => e.code), expected.errorCodes, c.id);
    assert.deepEqual(reports[i].warnings.map((w) => w.code), expected.warningCodes, c.id);
  });
  await assert.rejects(nooterra.verifyBundle('/nonexistent', { kind: 'job-proof', hashConcurrency: 0 }),
    { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'VERIFY_OPTIONS_INVALID' });
});

// The unified spend policy (rule table: include/nooterra/spend_policy.h).
test('SpendPolicy: windows, lists, approval, errors', () => {
  const policy = new nooterra.SpendPolicy({
    schemaVersion: 'SpendPolicy.v1', approval: { aboveCents: 500 }, deny: { counterparties: ['agt_evil', 'agt_evil'] },
    windows: [{ scope: 'payer', windowMs: 3600000, maxCents: 1000 }],
  });
  assert.deepEqual(policy.normalized.deny, { counterparties: ['agt_evil'] });
  assert.equal(policy.hash, nooterra.sha256Hex(Buffer.from(nooterra.canonicalize(JSON.stringify(policy.normalized)))));
  const request = (amountCents, counterpartyAgentId = 'agt_b') =>
    ({ amountCents, currency: 'USD', payerAgentId: 'agt_a', counterpartyAgentId });
  const spends = [{ at: '2026-01-01T00:30:00Z', amountCents: 600, payerAgentId: 'agt_a', currency: 'USD',
    counterpartyAgentId: 'agt_c' }];
  const now = '2026-01-01T01:00:00Z';
  assert.deepEqual(policy.evaluate(request(400), { now, spends }).reasons, []);  // exactly at the cap
  const over = policy.evaluate(request(401), { now, spends });
  assert.deepEqual([over.outcome, over.reasons, over.windows[0].spentCents], ['deny', ['SPEND_WINDOW_PAYER'], 600]);
  assert.equal(policy.evaluate(request(501), { now: '2026-01-01T01:30:00Z', spends }).outcome, 'escalate');
  assert.deepEqual(policy.evaluate(request(1, 'agt_evil'), { now }).reasons, ['SPEND_DENYLISTED_COUNTERPARTY']);
  assert.throws(() => new nooterra.SpendPolicy({ schemaVersion: 'SpendPolicy.v1', windows: [{ scope: 'payer' }] }),
    { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'POLICY_INVALID', message: /spendPolicy\.windows\[0\]\.windowMs/ });
  assert.throws(() => policy.evaluate({ amountCents: 0 }, { now }), { reason: 'SPEND_REQUEST_INVALID' });
  assert.throws(() => policy.evaluate(request(1), { now: '2026-01-01T00:00:00' }), { reason: 'SPEND_TIME_INVALID' });
  assert.throws(() => policy.evaluate(request(1), {}), { reason: 'ARGUMENT_TYPE' });
});

// The reference's release conformance cases and signer-lifecycle vectors through the package.
test('releases and signer keys: the reference packs', async () => {
  const { cases } = loadReference('conformance/v1/release-cases.json');
  assert.ok(cases.length >= 10);
  const base = path.dirname(referencePath('conformance/v1/release-cases.json'));
  for (const c of cases) {
    const report = await nooterra.verifyRelease(path.join(base, c.releaseDir),
      { trustFile: c.trustFile ? path.join(base, c.trustFile) : null });
    assert.equal(report.ok, c.expected.ok, c.id);
    assert.equal(report.signatureOk, c.expected.signatureOk, c.id);
    assert.equal(report.artifactsOk, c.expected.artifactsOk, c.id);
    assert.deepEqual(report.errors.map((e) => e.code).sort(), [...c.expected.errors].sort(), c.id);
  }
  const vectors = loadReference('conformance/signer-lifecycle-v1/vectors.json').cases;
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    const d = nooterra.evaluateSignerLifecycle(v.input);
    assert.deepEqual(Object.fromEntries(Object.keys(v.expected).map((k) => [k, d[k]])), v.expected, v.id);
  }
  assert.throws(() => nooterra.evaluateSignerLifecycle('[]'), { reason: 'SIGNER_LIFECYCLE_INPUT_INVALID' });
});

// conformance/vectors/standing-policies.json, shared with the C++ and Python suites.
test('standing policies: shared vectors, errors, normal form', () => {
  const v = loadVectors('standing-policies.json');
  const built = Object.fromEntries(Object.entries(v.policies).map(([n, p]) => [n, nooterra.buildStandingPolicy(p)]));
  assert.ok(v.cases.length >= 30);
  for (const c of v.cases) {
    const r = nooterra.evaluateStandingPolicies(c.policies.map((n) => built[n]), c.envelope);
    assert.equal(r.effect, c.effect, c.name);
    assert.equal(r.policyId, c.winner, c.name);
    if (c.winner !== null) assert.equal(r.policyHash, built[c.winner].policyHash, c.name);
    assert.deepEqual(r.evaluations.map((e) => e.reasonCode), c.reasonCodes, c.name);
    assert.deepEqual(r.evaluations.map((e) => e.specificity), c.specificity, c.name);
  }
  for (const c of v.buildErrors) {
    assert.throws(() => nooterra.buildStandingPolicy(c.input),
      { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'APPROVAL_STANDING_POLICY_INVALID',
        message: `APPROVAL_STANDING_POLICY_INVALID: ${c.message}` }, c.name);
  }
  for (const c of v.evaluateErrors) {
    assert.throws(() => nooterra.evaluateStandingPolicies(c.policies.map((n) => built[n]), c.envelope),
      { reason: c.reason, message: `${c.reason}: ${c.message}` }, c.name);
  }
  const policy = nooterra.buildStandingPolicy(v.normalForm.input);
  const { policyHash, ...core } = policy;
  assert.deepEqual(core, v.normalForm.expected);
  assert.equal(policyHash, nooterra.canonicalHash(JSON.stringify(v.normalForm.expected)));  // the digest's formula
  assert.deepEqual(nooterra.buildStandingPolicy(policy), policy);
  assert.throws(() => nooterra.buildStandingPolicy({ ...policy, displayName: 'changed after hashing' }),
    { reason: 'APPROVAL_STANDING_POLICY_INVALID', message: /approvalStandingPolicy\.policyHash mismatch/ });
});

// conformance/vectors/governance-templates.json, shared with the C++ and Python suites.
test('governance templates: shared vectors, catalog, normal form', () => {
  const { cases } = loadVectors('governance-templates.json');
  assert.ok(cases.length >= 10);
  const catalog = nooterra.governanceTemplateCatalog();
  assert.equal(catalog.schemaVersion, 'GovernancePolicyTemplateCatalog.v1');
  const starters = Object.fromEntries(catalog.templates.map((t) => [t.templateId, t]));
  for (const c of cases) {
    const template = typeof c.template === 'string' ? starters[c.template] : c.template;
    const d = nooterra.evaluateGovernanceTemplate(template, c.request);
    assert.equal(d.decision, c.decision, c.name);
    assert.deepEqual(d.blockingIssues.map((i) => i.code), c.blockingCodes, c.name);
    if ('matchedApprovalTierId' in c) assert.equal(d.matchedApprovalTierId, c.matchedApprovalTierId, c.name);
    else assert.equal(d.blockingIssues[0].message, c.message, c.name);
  }
  const indie = starters['gov.indie.safe-default'];
  const { templateId, templateVersion, operatingProfile, name, description, controls } = indie;
  assert.equal(indie.templateHash,
    nooterra.canonicalHash(JSON.stringify({ templateId, templateVersion, operatingProfile, name, description, controls })));
  assert.deepEqual(nooterra.normalizeGovernanceTemplate(indie), indie);
  assert.throws(() => nooterra.normalizeGovernanceTemplate({ ...indie, templateHash: '0'.repeat(64) }),
    { code: 'NOOTERRA_INVALID_ARGUMENT', reason: 'POLICY_TEMPLATE_INVALID', message: /template\.templateHash mismatch/ });
  assert.throws(() => nooterra.evaluateGovernanceTemplate('{', {}), { reason: 'JSON_SYNTAX' });
});
