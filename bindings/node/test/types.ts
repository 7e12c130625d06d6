// Compiled (not run) by `npm test` with `tsc --strict`: lib/index.d.ts must describe the public
// surface well enough for this typical TypeScript agent code to type-check.
import * as nooterra from 'nooterra';

async function agentFlow(dir: string): Promise<boolean> {
  const key: nooterra.PrivateKey = nooterra.PrivateKey.fromSeed(new Uint8Array(32));
  const canonical: string = nooterra.canonicalize('{"b":1,"a":2}');
  const hash: string = nooterra.canonicalHash({ a: 1 });
  const sig: Buffer = key.signHash(hash);
  const valid: boolean = nooterra.verifySignature(key.publicKeyPem, hash, sig);
  const built: nooterra.BuiltObject = nooterra.buildObject(nooterra.ObjectType.TOOL_CALL_AGREEMENT, { a: 1 },
    { signer: key, now: '2026-01-01T00:00:00Z' });
  const report: nooterra.ObjectReport = nooterra.verifyObject(built.object, [key.publicKeyPem]);
  const policy = nooterra.evaluateSettlementPolicy({ verificationStatus: 'green', amountCents: 100 });
  const mode: 'automatic' | 'manual-review' = policy.decisionMode;
  const spend = new nooterra.SpendPolicy({ schemaVersion: 'SpendPolicy.v1', maxPerCallCents: 500 });
  const decision: nooterra.SpendDecision = spend.evaluate(
    { amountCents: 100, currency: 'USD', payerAgentId: 'agt_a', counterpartyAgentId: 'agt_b' },
    { now: '2026-01-01T00:00:00Z', spends: [] });
  const outcome: 'allow' | 'challenge' | 'escalate' | 'deny' = decision.outcome;
  const bundle: nooterra.VerifyCliOutput = await nooterra.verifyBundle(dir, {
    kind: 'job-proof', strict: true, trust: { pricingSignerKeyIds: [] },
  });
  const store = await nooterra.Store.open(dir, { durable: false });
  try {
    const deposit: nooterra.KernelResult = await store.deposit('t', 'agt', 5, { idempotencyKey: 'd' });
    const balance: nooterra.Amount = await store.balance('t', 'agt', 'USD', 'available');
    const settled = await store.settle('t', { agreementHash: hash }, { now: '2026-01-01T00:00:00Z', idempotencyKey: 's' });
    const again: boolean = settled.alreadyExisted || deposit.alreadyExisted;
    const wallet = await store.wallet('t', 'agt');
    const text: nooterra.TextResult = store.applyTextSync('t', 'deposit', { agentId: 'agt', currency: 'USD', amountCents: 1 },
      { now: '2026-01-01T00:00:00Z', idempotencyKey: 'd2' });
    const fundText: string = (await store.applyText('t', 'fund', null, { subject: hash, now: '2026-01-01T00:00:00Z',
      idempotencyKey: 'f' })).text;
    const replay: nooterra.ReplayEvaluation = await store.replayEvaluate('t', hash);
    const facts: nooterra.ReputationFacts = await store.reputationFacts('t', { agentId: 'agt', asOf: '2026-01-01T00:00:00Z',
      window: '30d' });
    const opened: number = facts.facts.totals.disputes.opened;
    const consistent: boolean = replay.comparisons.chainConsistent && replay.replay.stage !== 'no_dispute';
    return text.text.length > 0 && fundText.length > 0 && consistent && opened >= 0 && valid && report.ok && bundle.ok && again && canonical.length > 0 && mode === 'automatic' &&
      wallet.available === balance && outcome !== 'deny';
  } catch (e) {
    const err = e as nooterra.NooterraError;
    return err.code === 'NOOTERRA_FAILED_PRECONDITION' && err.nooterraCode === 9 && err.reason.length > 0;
  } finally {
    store.close();
  }
}

export { agentFlow };
