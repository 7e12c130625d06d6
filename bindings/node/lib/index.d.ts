// Type declarations of the `nooterra` Node package (lib/index.js).
//
// Every failure is a NooterraError: an Error with `code` ('NOOTERRA_INVALID_ARGUMENT', ...),
// the numeric C ABI code `nooterraCode`, a stable `reason` and, for JSON errors, the byte
// `offset`. Promises reject with the same objects. Domain outcomes are values.

/// <reference types="node" />

export interface NooterraError extends Error {
  code:
    | 'NOOTERRA_CANCELLED' | 'NOOTERRA_UNKNOWN' | 'NOOTERRA_INVALID_ARGUMENT' | 'NOOTERRA_DEADLINE_EXCEEDED'
    | 'NOOTERRA_NOT_FOUND' | 'NOOTERRA_ALREADY_EXISTS' | 'NOOTERRA_PERMISSION_DENIED'
    | 'NOOTERRA_RESOURCE_EXHAUSTED' | 'NOOTERRA_FAILED_PRECONDITION' | 'NOOTERRA_ABORTED'
    | 'NOOTERRA_OUT_OF_RANGE' | 'NOOTERRA_UNIMPLEMENTED' | 'NOOTERRA_INTERNAL' | 'NOOTERRA_UNAVAILABLE'
    | 'NOOTERRA_DATA_LOSS' | 'NOOTERRA_UNAUTHENTICATED';
  /** The C ABI status code (equal to Abseil's canonical code). */
  nooterraCode: number;
  /** Stable machine-readable reason, e.g. 'JSON_SYNTAX', 'STORE_CLOSED', 'TRANSITION_ILLEGAL'. */
  reason: string;
  /** Byte offset of a JSON error, when known. */
  offset?: number;
}

/** A JSON document given as text, UTF-8 bytes, or a value (serialized with JSON.stringify). */
export type Json = string | Uint8Array | object;
/** Minor units: a Number when it is a safe integer, else a BigInt. */
export type Amount = number | bigint;

/** "MAJOR.MINOR.PATCH" of the loaded library. */
export const VERSION: string;
/** NOOTERRA_VERSION_NUMBER of the loaded library. */
export const ABI_VERSION: number;

/** The protocol's canonical JSON of a JSON document. */
export function canonicalize(text: string | Uint8Array): string;
/** SHA-256 (lowercase hex) of the canonical JSON of a document. */
export function canonicalHash(value: Json): string;
/** SHA-256 (lowercase hex) of raw bytes; a string is hashed as UTF-8. */
export function sha256Hex(data: string | Uint8Array): string;
/** The protocol key id of an Ed25519 public key (PEM, SPKI). */
export function keyId(publicKeyPem: string): string;

/** An Ed25519 private key. Immutable. */
export class PrivateKey {
  private constructor(triple: [string, string, string]);
  /** A new random key (the only call that reads randomness). */
  static generate(): PrivateKey;
  /** The key of a 32-byte seed (deterministic). */
  static fromSeed(seed: Uint8Array): PrivateKey;
  /** The key of a PKCS#8 PEM text. */
  static fromPem(pem: string): PrivateKey;
  readonly publicKeyPem: string;
  readonly keyId: string;
  /** The private key as PKCS#8 PEM. */
  toPem(): string;
  /** Signs the 32 raw bytes of a SHA-256 hex digest; returns the 64-byte signature. */
  signHash(hashHex: string): Buffer;
}

/** True when `signature` is a valid Ed25519 signature of the digest by the key. */
export function verifySignature(publicKeyPem: string, hashHex: string, signature: Uint8Array): boolean;

export const ObjectType: Readonly<{
  TOOL_MANIFEST: 1; TOOL_CALL_AGREEMENT: 2; TOOL_CALL_EVIDENCE: 3; FUNDING_HOLD: 4;
  SETTLEMENT_DECISION_RECORD_V1: 5; SETTLEMENT_DECISION_RECORD_V2: 6; SETTLEMENT_RECEIPT: 7;
  SETTLEMENT_ADJUSTMENT: 8; POLICY_DECISION: 9; OPERATOR_ACTION: 10; DISPUTE_OPEN_ENVELOPE: 11;
  ARBITRATION_CASE: 12; ARBITRATION_VERDICT: 13; AGREEMENT_DELEGATION: 14; AGENT_WALLET: 15;
  AGENT_RUN_SETTLEMENT: 16; MARKETPLACE_OFFER: 17; MARKETPLACE_ACCEPTANCE: 18; REPUTATION_EVENT: 19;
}>;
/** An ObjectType value or a schemaVersion such as 'ToolCallAgreement.v1'. */
export type ObjectTypeLike = number | string;

/** The schemaVersion of a type, or null for an unknown type. */
export function schemaVersion(type: number): string | null;

export interface BuiltObject {
  object: Record<string, any>;
  /** The canonical JSON text. */
  canonical: string;
  /** The object's self-hash. */
  hash: string;
}

/** Builds a protocol object from inputs named like its members. */
export function buildObject(type: ObjectTypeLike, inputs: Json,
  options?: { signer?: PrivateKey | null; now?: string | null }): BuiltObject;
/** Checks that an object is valid and in normal form. */
export function validateObject(obj: Json): { type: number; schemaVersion: string; hash: string };
/** The self-hash recomputed from content. */
export function objectHash(obj: Json): string;
/** Re-signs an object (hash recomputed, signature envelope written). */
export function signObject(obj: Json, key: PrivateKey): BuiltObject;

export interface ObjectReport {
  ok: boolean;
  schemaVersion: string;
  hash: string;
  declaredHash: string | null;
  signatures: { verified: string[]; unchecked: string[] };
  errors: { code: string; message: string }[];
  warnings: { code: string; message: string }[];
}
/** Verifies any object: members, self-hash, embedded hashes, signatures by the given keys. */
export function verifyObject(obj: Json, publicKeys?: string[]): ObjectReport;

export const BundleKind: Readonly<{
  JOB_PROOF: 1; MONTH_PROOF: 2; FINANCE_PACK: 3; INVOICE_BUNDLE: 4; CLOSE_PACK: 5;
}>;
export type BundleKindName = 'job-proof' | 'month-proof' | 'finance-pack' | 'invoice-bundle' | 'close-pack';

export interface Trust {
  governanceRoots?: Record<string, string>;
  pricingSigners?: Record<string, string>;
  pricingSignerKeyIds?: string[];
  timeAuthorities?: Record<string, string>;
}

/** The VerifyCliOutput.v1 document. */
export interface VerifyCliOutput {
  schemaVersion: 'VerifyCliOutput.v1';
  ok: boolean;
  verificationOk: boolean;
  errors: { code: string; path?: string | null; message?: string | null; detail?: unknown }[];
  warnings: { code: string; path?: string | null; message?: string | null; detail?: unknown }[];
  [member: string]: unknown;
}

/** Verifies a proof bundle directory offline, on a worker thread. */
export function verifyBundle(path: string, options: {
  kind: number | BundleKindName; strict?: boolean; failOnWarnings?: boolean; trust?: Trust;
  hashConcurrency?: number;
}): Promise<VerifyCliOutput>;

export interface SettlementPolicyEvaluation {
  policy: Record<string, any>;
  policyHash: string;
  verificationMethod: Record<string, any>;
  verificationMethodHash: string;
  verificationStatus: 'green' | 'amber' | 'red';
  runStatus: 'completed' | 'failed';
  decisionMode: 'automatic' | 'manual-review';
  shouldAutoResolve: boolean;
  releaseRatePct: number;
  releaseAmountCents: number;
  refundAmountCents: number;
  settlementStatus: string;
  reasonCodes: string[];
}
/** The reference's settlement-policy evaluation (byte parity with evaluateSettlementPolicy). */
export function evaluateSettlementPolicy(args: {
  policy?: Json | null; verificationMethod?: Json | null; verificationStatus: 'green' | 'amber' | 'red';
  runStatus?: 'completed' | 'failed'; amountCents: Amount;
}): SettlementPolicyEvaluation;

/** A settlement policy, validated and normalized once. Immutable. */
export class Policy {
  constructor(policy?: Json);
  readonly normalized: Record<string, any>;
  readonly hash: string;
  evaluate(args: { verificationMethod?: Json | null; verificationStatus: 'green' | 'amber' | 'red';
    runStatus?: 'completed' | 'failed'; amountCents: Amount }): SettlementPolicyEvaluation;
  /** Re-evaluates the store's recorded decisions of `tenant` under this policy. */
  simulate(store: Store, tenant: string): Promise<{
    candidatePolicyHash: string; total: number; changed: number;
    decisions: { decisionId: string; agreementHash: string; amountCents: number; changed: boolean;
      reasonsAdded: string[]; reasonsRemoved: string[]; stored: Record<string, any>; candidate: Record<string, any> }[];
  }>;
}
/** One spend to decide under a SpendPolicy (include/nooterra/spend_policy.h). */
export interface SpendRequest {
  amountCents: number; currency: string; payerAgentId: string; counterpartyAgentId: string;
  toolId?: string; providerId?: string; agreementHash?: string; delegationDepth?: number;
  delegatedBudgetCents?: number; riskScore?: number; riskSignals?: string[];
}
/** A past spend the rolling windows are summed from. */
export interface PastSpend {
  at: string; amountCents: number; payerAgentId: string; currency: string; counterpartyAgentId: string;
  agreementHash?: string;
}
export interface SpendDecision {
  outcome: 'allow' | 'challenge' | 'escalate' | 'deny';
  reasons: string[];
  amountCents: number;
  policyHash: string;
  windows: { scope: 'payer' | 'counterparty' | 'agreement'; key: string; windowMs: number; maxCents: number;
    spentCents: number; afterCents: number }[];
}
/** The unified spend policy (SpendPolicy.v1), compiled once. Immutable. */
export class SpendPolicy {
  constructor(policy: Json);
  readonly normalized: Record<string, any>;
  readonly hash: string;
  /** A deny is a value; malformed input throws NOOTERRA_INVALID_ARGUMENT. */
  evaluate(request: SpendRequest | string, options: { now: string; spends?: PastSpend[] | null }): SpendDecision;
  /** Re-evaluates every recorded lock of `payer` under this policy (reads only). */
  simulate(store: Store, tenant: string, payer: string): Promise<{
    candidatePolicyHash: string; payerAgentId: string; total: number; blocked: number;
    locks: { spendId: string; at: string; amountCents: number; currency: string; counterpartyAgentId: string;
      agreementHash: string; outcome: SpendDecision['outcome']; reasons: string[] }[];
  }>;
}
/** Validates an agent wallet policy and returns its normal form. */
export function normalizeWalletPolicy(policy: Json): { maxPerTransactionCents?: number; requireApprovalAboveCents?: number; maxDailyCents?: number };

/** A GovernancePolicyTemplate.v1 (05-policy-evaluation.md §6) in normal form. */
export interface GovernanceTemplate {
  schemaVersion: 'GovernancePolicyTemplate.v1';
  templateId: string;
  templateVersion: number;
  operatingProfile: 'indie' | 'smb' | 'enterprise';
  name: string;
  description: string;
  controls: {
    spend: { currency: string; perActionUsdCents: number; monthlyUsdCents: number };
    dataAccess: { allowedDataClasses: string[]; allowExternalTransfer: boolean };
    approvals: { tiers: Array<{ tierId: string; maxAmountUsdCents: number; requiredApprovers: number; approverRole: string }> };
    escalation: { requireApprovalForRiskLevels: string[]; autoBlockRiskLevels: string[] };
  };
  templateHash: string;
}
/** GovernancePolicyDecision.v1. templateRef, request, matchedApprovalTierId and requiredApprovers
 * are absent when the template or request was invalid. */
export interface GovernanceDecision {
  schemaVersion: 'GovernancePolicyDecision.v1';
  decision: 'allow' | 'challenge' | 'deny';
  templateRef?: { templateId: string; templateVersion: number; operatingProfile: string; templateHash: string };
  request?: { amountUsdCents: number; monthlySpendUsdCents: number; dataClass: string; riskLevel: string;
    approvalsProvided: number; externalTransfer: boolean };
  matchedApprovalTierId?: string | null;
  requiredApprovers?: number | null;
  checks: Array<{ checkId: string; ok: boolean; message: string; code?: string }>;
  blockingIssues: Array<{ code: string; message: string }>;
}
/** The reference's governance-template decision; invalid inputs are deny decisions, not throws. */
export function evaluateGovernanceTemplate(template: Json, request: Json): GovernanceDecision;
/** Validates a template and returns its normal form (throws POLICY_TEMPLATE_INVALID). */
export function normalizeGovernanceTemplate(template: Json): GovernanceTemplate;
/** The three starter templates (indie, smb, enterprise). */
export function governanceTemplateCatalog(): { schemaVersion: 'GovernancePolicyTemplateCatalog.v1'; templates: GovernanceTemplate[] };

/** VerifyReleaseOutput.v1. */
export interface ReleaseReport {
  schemaVersion: 'VerifyReleaseOutput.v1';
  ok: boolean;
  signatureOk: boolean;
  artifactsOk: boolean;
  errors: Array<{ code: string; message: string; path?: string | null; detail?: unknown }>;
  warnings: Array<{ code: string; message: string; path?: string | null }>;
  [member: string]: unknown;
}
/** Verifies a release directory on a worker thread; a failing release is a value. */
export function verifyRelease(dir: string, options?: { trustFile?: string | null; installedAbout?: Json | null }): Promise<ReleaseReport>;
/** A signer key's lifecycle decision (the conformance pack's expected shape plus message). */
export interface SignerLifecycleDecision {
  ok: boolean;
  canonicalCode: string | null;
  legacyCode: string | null;
  validAtOk: boolean | null;
  validAtCanonicalCode: string | null;
  validNowOk: boolean | null;
  validNowCanonicalCode: string | null;
  message: string | null;
}
export function evaluateSignerLifecycle(query: Json): SignerLifecycleDecision;

/** ApprovalStandingPolicy.v1 in normal form. */
export interface StandingPolicy {
  schemaVersion: 'ApprovalStandingPolicy.v1';
  policyId: string;
  principalRef: { principalType: 'human' | 'org' | 'service' | 'agent'; principalId: string };
  displayName: string;
  description: string | null;
  status: 'active' | 'disabled';
  constraints: {
    actorAgentIds: string[] | null; capabilitiesRequested: string[] | null; dataClassesRequested: string[] | null;
    sideEffectsRequested: string[] | null; maxSpendCents: number | null; maxRiskClass: 'low' | 'medium' | 'high' | null;
    reversibilityClasses: Array<'reversible' | 'partially_reversible' | 'irreversible'> | null;
  };
  decision: { effect: 'approve' | 'deny'; decidedBy: string | null; expiresAfterSeconds: number | null;
    evidenceRefs: string[]; metadata: Record<string, unknown> | null };
  createdAt: string;
  updatedAt: string | null;
  policyHash: string;
}
/** The ranking of standing policies for one authority envelope (a nooterra result). */
export interface StandingEvaluation {
  effect: 'approve' | 'deny' | 'none';
  policyId: string | null;
  policyHash: string | null;
  specificity: number | null;
  evaluations: Array<{ policyId: string; policyHash: string; matched: boolean; reasonCode: string; specificity: number }>;
}
/** Builds a standing policy's normal form with policyHash (throws APPROVAL_STANDING_POLICY_INVALID). */
export function buildStandingPolicy(policy: Json): StandingPolicy;
/** Matches an authority envelope against stored standing policies; no match is effect 'none'. */
export function evaluateStandingPolicies(policies: Json | StandingPolicy[], envelope: Json): StandingEvaluation;

export const Bucket: Readonly<{ AVAILABLE: 1; ESCROW: 2; HOLDBACK: 3; EXTERNAL: 4 }>;
/** Store.reputationFacts's aggregate (kernel-v0 steps 10-11). */
export interface ReputationFacts {
  tenantId: string;
  agentId: string;
  toolId: string | null;
  window: '7d' | '30d' | 'allTime';
  asOf: string;
  windowStartAt: string | null;
  facts: {
    totals: {
      eventCount: number;
      decisions: { total: number; approved: number; rejected: number };
      disputes: { opened: number; payerWin: number; payeeWin: number; partial: number; rate: number | null };
      economics: { settledCents: number; refundedCents: number; penalizedCents: number; autoReleasedCents: number;
        adjustmentAppliedCents: number };
      latencyMs: { count: number; p50: number | null; p95: number | null };
    };
  };
  /** With includeEvents: the ReputationEvent.v1 objects, by occurredAt then eventId. */
  events?: Record<string, any>[];
}

/** Store.replayEvaluate's report (kernel-v0 step 9). */
export interface ReplayEvaluation {
  agreementHash: string;
  holdHash: string;
  caseId: string | null;
  adjustmentId: string | null;
  replay: {
    stage: 'no_dispute' | 'active_dispute' | 'terminal_dispute';
    expected: { holdStatus: string | null; adjustmentKind: string | null; amountCents: number | null } | null;
    actual: { holdStatus: string; adjustmentKind: string | null; amountCents: number | null };
  };
  comparisons: {
    holdValid: boolean; caseBindingsValid: boolean; caseStatusValid: boolean; adjustmentValid: boolean;
    adjustmentIdDeterministic: boolean; verdictArtifactBindingsValid: boolean; holdStatusMatches: boolean;
    adjustmentMatches: boolean; chainConsistent: boolean;
  };
  issues: string[];
}

export type BucketName = 'available' | 'escrow' | 'holdback' | 'external';

export interface StepOptions { now: string; idempotencyKey: string }
/** A kernel result; `alreadyExisted` is true when the idempotency key replayed a first result. */
export type KernelResult = Record<string, any> & { alreadyExisted: boolean };
export type RecordKind =
  'hold' | 'case' | 'artifact' | 'wallet' | 'agreement' | 'tool_call_agreement' | 'evidence' | 'decision' | 'receipt'
  | 'escalation' | 'run' | 'run_settlement' | 'adjustment' | 'run_agreement' | 'offer' | 'acceptance' | 'agent_status';

export interface BatchOperation {
  operation: 'createAgreement' | 'fund' | 'submitEvidence' | 'settle' | 'void' | 'lockHold' | 'openDispute'
    | 'submitVerdict' | 'deposit' | 'setWalletPolicy' | 'resolveEscalation' | 'createRfq' | 'submitBid' | 'acceptBid'
    | 'appendRunEvent' | 'resolveRunSettlement' | 'setAgentStatus';
  request?: Json | null;
  subject?: string | null;
  now: string;
  idempotencyKey: string;
}
/** A kernel result as canonical JSON text, and whether it replayed an earlier call. */
export interface TextResult {
  text: string;
  alreadyExisted: boolean;
}
export type BatchResult =
  | { ok: true; alreadyExisted: boolean; result: Record<string, any> }
  | { ok: false; code: string; codeNumber: number; reason: string; message: string };

/**
 * An LMDB store with the ledger and the agreement kernel. Operations run off the main thread and
 * return Promises; one Store may serve many concurrent calls.
 */
export class Store {
  private constructor(native: unknown);
  static open(path: string, options?: { durable?: boolean; create?: boolean; mapBytesMax?: Amount }): Promise<Store>;
  /** Queued calls finish first; later calls reject with STORE_CLOSED. Idempotent. */
  close(): void;
  readonly closed: boolean;
  ledgerPost(tenant: string, entry: Json): Promise<void>;
  /** Many entries in one durable transaction, all or nothing. */
  ledgerPostBatch(tenant: string, entries: Json[]): Promise<void>;
  balance(tenant: string, owner: string, currency?: string, bucket?: number | BucketName): Promise<Amount>;
  check(tenant: string): Promise<string[]>;
  /** The whole-store audit (ledger, escrow conservation, operation log) of one tenant or all. */
  audit(tenant?: string | null): Promise<{ ok: boolean; tenants: Array<{ tenant: string;
    oplog: { entries: number; headHash: string } | null; violations: string[] }> }>;
  /** The tenants with ledger records or an operation log, in byte order. */
  tenants(): Promise<string[]>;
  registerAgent(tenant: string, agentId: string, publicKeyPem: string): Promise<KernelResult>;
  deposit(tenant: string, agentId: string, amountCents: Amount,
    options: { currency?: string; idempotencyKey: string }): Promise<KernelResult>;
  setWalletPolicy(tenant: string, agentId: string,
    policy: { maxPerTransactionCents?: number | null; requireApprovalAboveCents?: number | null; maxDailyCents?: number | null },
    options: { idempotencyKey: string }): Promise<KernelResult>;
  resolveEscalation(tenant: string, escalationId: string, action: Json, options: StepOptions): Promise<KernelResult>;
  /** Marketplace runs (kernel-v0 case B): RFQ, bid, acceptance, chained run events, settlement. */
  createRfq(tenant: string, request: Json, options: StepOptions): Promise<KernelResult>;
  submitBid(tenant: string, rfqId: string, bid: Json, options: StepOptions): Promise<KernelResult>;
  acceptBid(tenant: string, rfqId: string, acceptance: Json, options: StepOptions): Promise<KernelResult>;
  appendRunEvent(tenant: string, runId: string, event: Json, options: StepOptions): Promise<KernelResult>;
  resolveRunSettlement(tenant: string, runId: string, resolution: { releaseRatePct: number; decisionReason?: string },
    options: StepOptions): Promise<KernelResult>;
  setAgentStatus(tenant: string, agentId: string, change: { status: 'active' | 'suspended' | 'revoked'; reason?: string },
    options: StepOptions): Promise<KernelResult>;
  replayEvaluateRun(tenant: string, runId: string): Promise<{
    runId: string; settlementId: string; replay: Record<string, any>; stored: Record<string, any>;
    comparisons: { matchesStoredDecision: boolean; policyDecisionMatchesStored: boolean;
      decisionRecordReplayCriticalMatchesStored: boolean | null; verifierRefMatchesStored: boolean;
      kernelBindingsValid: boolean };
    kernelBindingErrors: string[];
  }>;
  createAgreement(tenant: string, request: Json, options: StepOptions): Promise<KernelResult>;
  /** riskScore (0..100) and riskSignals feed the payer's spend policy; an escalation is a value. */
  fund(tenant: string, agreementHash: string,
    options: StepOptions & { riskScore?: number; riskSignals?: string[] }): Promise<KernelResult>;
  submitEvidence(tenant: string, evidence: Json, options: StepOptions): Promise<KernelResult>;
  settle(tenant: string, request: Json, options: StepOptions): Promise<KernelResult>;
  void(tenant: string, agreementHash: string, options: StepOptions): Promise<KernelResult>;
  lockHold(tenant: string, request: Json, options: StepOptions): Promise<KernelResult>;
  openDispute(tenant: string, request: Json, options: StepOptions): Promise<KernelResult>;
  submitVerdict(tenant: string, caseId: string, verdict: Json, options: StepOptions): Promise<KernelResult>;
  /**
   * Group commit: one durable transaction, one result per operation (see lib/index.js). Text
   * fields (subject, request, now, idempotencyKey) must not contain NUL characters (the kernel
   * reads subject, now and key as C strings); such an operation is refused before anything runs.
   */
  applyBatch(tenant: string, operations: BatchOperation[]): Promise<BatchResult[]>;
  /**
   * Any operation by its batch name, the result as canonical JSON text (not parsed). Options:
   * subject (agreement hash, case id, agent id or escalation id, as the operation needs), now,
   * idempotencyKey.
   */
  applyText(tenant: string, operation: BatchOperation['operation'], request: Json | null | undefined,
    options: { subject?: string | null; now: string; idempotencyKey: string }): Promise<TextResult>;
  /**
   * applyText on the calling thread: no thread hop, but the event loop waits for the kernel call
   * (and the fsync of a durable store). Throws instead of rejecting.
   */
  applyTextSync(tenant: string, operation: BatchOperation['operation'], request: Json | null | undefined,
    options: { subject?: string | null; now: string; idempotencyKey: string }): TextResult;
  stateHash(tenant: string): Promise<string>;
  verifyLog(tenant: string): Promise<{ entries: number; headHash: string }>;
  replayFrom(source: Store, tenant: string): Promise<{ entries: number; stateHash: string }>;
  /** Reputation facts of one agent (kernel-v0 steps 10-11); see ReputationFacts. */
  reputationFacts(tenant: string, options: { agentId: string; asOf: string; toolId?: string | null;
    window?: '7d' | '30d' | 'allTime'; includeEvents?: boolean }): Promise<ReputationFacts>;
  /** Replay evaluation of one tool call (kernel-v0 step 9); see ReplayEvaluation. */
  replayEvaluate(tenant: string, agreementHash: string): Promise<ReplayEvaluation>;
  runMaintenance(tenant: string, options: { now: string; dryRun?: boolean; limit?: number }): Promise<Record<string, any>>;
  get(tenant: string, kind: RecordKind, key: string): Promise<Record<string, any>>;
  wallet(tenant: string, agentId: string, currency?: string): Promise<{ available: Amount; escrow: Amount }>;
}
