'use strict';
// The public `nooterra` package: argument checks and result shaping over the private addon
// (build/nooterra.node), which is itself a translation of the libnooterra C ABI.
//
// Errors: every failure is an Error with `code` ('NOOTERRA_INVALID_ARGUMENT', ...), a numeric
// `nooterraCode` (the C ABI code), a stable `reason` ('JSON_SYNTAX', 'STORE_CLOSED', ...) and a
// human message. Promises reject with the same objects. Domain outcomes (a bundle that does
// not verify, a signature that does not match, a manual-review policy decision) are values.

const path = require('node:path');

const native = require(path.join(__dirname, '..', 'build', 'nooterra.node'));

const CODES = {
  INVALID_ARGUMENT: 3,
};

function argumentError(message) {
  const e = new TypeError(`ARGUMENT_TYPE: ${message}`);
  e.code = 'NOOTERRA_INVALID_ARGUMENT';
  e.nooterraCode = CODES.INVALID_ARGUMENT;
  e.reason = 'ARGUMENT_TYPE';
  return e;
}

function requireString(value, name) {
  if (typeof value !== 'string') throw argumentError(`${name} must be a string`);
  return value;
}

function optionalString(value, name) {
  if (value === undefined || value === null) return null;
  return requireString(value, name);
}

function requireInteger(value, name) {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw argumentError(`${name} must be a safe integer or a BigInt`);
  }
  return value;
}

function requireBytes(value, name) {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw argumentError(`${name} must be a string, Buffer or Uint8Array`);
}

// JSON text of a document given as text, bytes or a value (values go through JSON.stringify;
// the library canonicalizes whatever it hashes).
function jsonText(value, name) {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  throw argumentError(`${name} must be JSON text, a Buffer or an object`);
}

function options(value, name) {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw argumentError(`${name} must be an object`);
  return value;
}

// --- canonical JSON and hashing ---------------------------------------------------------------

/** The protocol's canonical JSON of a JSON document. */
function canonicalize(text) {
  return native.canonicalize(requireBytes(text, 'text'));
}

/** SHA-256 (lowercase hex) of the canonical JSON of a document (text, bytes or value). */
function canonicalHash(value) {
  const isValue = value !== null && typeof value === 'object' && !(value instanceof Uint8Array);
  return native.canonicalHash(isValue ? jsonText(value, 'value') : requireBytes(value, 'value'));
}

/** SHA-256 (lowercase hex) of raw bytes; a string is hashed as UTF-8. */
function sha256Hex(data) {
  return native.sha256Hex(requireBytes(data, 'data'));
}

// --- keys ----------------------------------------------------------------------------------

/** The protocol key id of an Ed25519 public key in PEM (SPKI). */
function keyId(publicKeyPem) {
  return native.keyId(requireString(publicKeyPem, 'publicKeyPem'));
}

const PEM = Symbol('privatePem');

/** An Ed25519 private key. Immutable; the private PEM stays inside the object. */
class PrivateKey {
  constructor(triple) {
    if (!Array.isArray(triple) || triple.length !== 3) {
      throw argumentError('use PrivateKey.generate(), fromSeed() or fromPem()');
    }
    this[PEM] = triple[0];
    /** The public key, PEM (SPKI). */
    this.publicKeyPem = triple[1];
    /** The protocol key id of the public key. */
    this.keyId = triple[2];
    Object.freeze(this);
  }
  /** A new random key (the only call that reads randomness). */
  static generate() { return new PrivateKey(native.keyGenerate()); }
  /** The key of a 32-byte seed (deterministic). */
  static fromSeed(seed) { return new PrivateKey(native.keyFromSeed(requireBytes(seed, 'seed'))); }
  /** The key of a PKCS#8 PEM text. */
  static fromPem(pem) { return new PrivateKey(native.keyFromPem(requireString(pem, 'pem'))); }
  /** The private key as PKCS#8 PEM. */
  toPem() { return this[PEM]; }
  /** Signs the 32 raw bytes of a SHA-256 hex digest; returns the 64-byte signature. */
  signHash(hashHex) {
    requireString(hashHex, 'hashHex');
    if (!/^[0-9a-f]{64}$/.test(hashHex)) throw argumentError('hashHex must be 64 lowercase hex digits');
    return native.signDigest(this[PEM], Buffer.from(hashHex, 'hex'));
  }
  toString() { return `PrivateKey(${this.keyId})`; }
}

/** True when `signature` is a valid Ed25519 signature of the digest `hashHex` by the key. */
function verifySignature(publicKeyPem, hashHex, signature) {
  requireString(hashHex, 'hashHex');
  if (!/^[0-9a-f]{64}$/.test(hashHex)) throw argumentError('hashHex must be 64 lowercase hex digits');
  return native.verifyDigest(requireString(publicKeyPem, 'publicKeyPem'), Buffer.from(hashHex, 'hex'),
    requireBytes(signature, 'signature'));
}

// --- protocol objects ----------------------------------------------------------------------

/** Object types (values never change). */
const ObjectType = Object.freeze({
  TOOL_MANIFEST: 1,
  TOOL_CALL_AGREEMENT: 2,
  TOOL_CALL_EVIDENCE: 3,
  FUNDING_HOLD: 4,
  SETTLEMENT_DECISION_RECORD_V1: 5,
  SETTLEMENT_DECISION_RECORD_V2: 6,
  SETTLEMENT_RECEIPT: 7,
  SETTLEMENT_ADJUSTMENT: 8,
  POLICY_DECISION: 9,
  OPERATOR_ACTION: 10,
  DISPUTE_OPEN_ENVELOPE: 11,
  ARBITRATION_CASE: 12,
  ARBITRATION_VERDICT: 13,
  AGREEMENT_DELEGATION: 14,
  AGENT_WALLET: 15,
  AGENT_RUN_SETTLEMENT: 16,
  MARKETPLACE_OFFER: 17,
  MARKETPLACE_ACCEPTANCE: 18,
  REPUTATION_EVENT: 19,
});

const SCHEMA_TO_TYPE = new Map();
for (const t of Object.values(ObjectType)) SCHEMA_TO_TYPE.set(native.objectSchemaVersion(t), t);

/** The schemaVersion of a type ('ToolCallAgreement.v1'), or null for an unknown type. */
function schemaVersion(type) {
  return native.objectSchemaVersion(requireInteger(type, 'type'));
}

function typeOf(type) {
  if (typeof type === 'string') {
    const t = SCHEMA_TO_TYPE.get(type);
    if (t === undefined) {
      const e = argumentError(`unknown schemaVersion ${JSON.stringify(type)}`);
      e.reason = 'OBJECT_TYPE_UNKNOWN';
      throw e;
    }
    return t;
  }
  return requireInteger(type, 'type');
}

function built(pair) {
  return { object: JSON.parse(pair[0]), canonical: pair[0], hash: pair[1] };
}

/**
 * Builds a protocol object from inputs named like its members.
 * Returns {object, canonical, hash}; the same inputs always give the same bytes.
 */
function buildObject(type, inputs, opts) {
  const o = options(opts, 'options');
  if (o.signer !== undefined && o.signer !== null && !(o.signer instanceof PrivateKey)) {
    throw argumentError('options.signer must be a PrivateKey');
  }
  return built(native.objectBuild(typeOf(type), jsonText(inputs, 'inputs'),
    o.signer ? o.signer.toPem() : null, optionalString(o.now, 'options.now')));
}

/** Checks that an object is valid and in normal form; returns {type, schemaVersion, hash}. */
function validateObject(obj) {
  const [type, hash] = native.objectValidate(jsonText(obj, 'object'));
  return { type, schemaVersion: native.objectSchemaVersion(type), hash };
}

/** The self-hash recomputed from content (type from schemaVersion). */
function objectHash(obj) {
  return native.objectHash(jsonText(obj, 'object'));
}

/** Re-signs an object: hash recomputed from content, signature envelope written. */
function signObject(obj, key) {
  if (!(key instanceof PrivateKey)) throw argumentError('key must be a PrivateKey');
  return built(native.objectSign(jsonText(obj, 'object'), key.toPem()));
}

/**
 * Verifies any object (members, self-hash, embedded hashes, signatures by the given PEM keys).
 * Returns the report {ok, schemaVersion, hash, declaredHash, signatures, errors, warnings}.
 */
function verifyObject(obj, publicKeys = []) {
  if (!Array.isArray(publicKeys)) throw argumentError('publicKeys must be an array of PEM strings');
  publicKeys.forEach((k, i) => requireString(k, `publicKeys[${i}]`));
  return JSON.parse(native.objectVerify(jsonText(obj, 'object'), publicKeys));
}

// --- bundles -------------------------------------------------------------------------------

/** Proof bundle kinds (the nooterra-verify --<kind> flags). */
const BundleKind = Object.freeze({
  JOB_PROOF: 1, MONTH_PROOF: 2, FINANCE_PACK: 3, INVOICE_BUNDLE: 4, CLOSE_PACK: 5,
});
const KIND_NAMES = {
  'job-proof': 1, 'month-proof': 2, 'finance-pack': 3, 'invoice-bundle': 4, 'close-pack': 5,
};

/**
 * Verifies a proof bundle directory offline, on a worker thread.
 * Resolves to the VerifyCliOutput.v1 document; a bundle that fails is {ok: false, ...}.
 * `trust` is shaped like trust.json: {governanceRoots, pricingSigners, pricingSignerKeyIds,
 * timeAuthorities}.
 */
async function verifyBundle(dir, opts) {
  requireString(dir, 'path');
  const o = options(opts, 'options');
  const kind = typeof o.kind === 'string' ? KIND_NAMES[o.kind] : o.kind;
  if (!Number.isInteger(kind)) throw argumentError("options.kind must be a BundleKind or a name like 'job-proof'");
  const trust = options(o.trust, 'options.trust');
  const json = (name) => (trust[name] === undefined || trust[name] === null ? null : JSON.stringify(trust[name]));
  const text = await native.verifyBundle(dir, kind, o.strict !== false, o.failOnWarnings === true,
    requireInteger(o.hashConcurrency ?? 1, 'options.hashConcurrency'), json('governanceRoots'),
    json('pricingSigners'), json('pricingSignerKeyIds'), json('timeAuthorities'));
  return JSON.parse(text);
}

/**
 * Verifies a release directory (ReleaseIndex.v1 + detached signatures) against a ReleaseTrust
 * file on a worker thread, as `nooterra-release verify --format json` does: resolves to the
 * VerifyReleaseOutput.v1 document. A release that fails is a value; without `trustFile` the report
 * carries RELEASE_TRUST_MISSING (no default path is looked up). `installedAbout` is an installed
 * tool's `--about --format json` output to compare with the release.
 */
async function verifyRelease(dir, opts) {
  requireString(dir, 'path');
  const o = options(opts, 'options');
  const trust = o.trustFile === undefined || o.trustFile === null ? null : requireString(o.trustFile, 'options.trustFile');
  const about = o.installedAbout === undefined || o.installedAbout === null ? null
    : jsonText(o.installedAbout, 'options.installedAbout');
  return JSON.parse(await native.verifyRelease(dir, trust, about));
}

/**
 * May a signer key sign an event at `at` (and is it still usable `now`)? `query` is
 * {signerKey: {status, validFrom, validTo, rotatedAt, revokedAt} | null, at, now?, requireRegistered?,
 * enforceCurrentValidity?}; the decision {ok, canonicalCode, legacyCode, validAtOk,
 * validAtCanonicalCode, validNowOk, validNowCanonicalCode, message}. A denial is a value.
 */
function evaluateSignerLifecycle(query) {
  return JSON.parse(native.signerLifecycleEvaluate(jsonText(query, 'query')));
}

// --- policy --------------------------------------------------------------------------------

/**
 * The reference's settlement-policy evaluation: normalized policy and method with their hashes,
 * decisionMode ('automatic' | 'manual-review'), shouldAutoResolve, release/refund amounts and
 * the reason codes in rule order.
 */
function evaluateSettlementPolicy(args) {
  const o = options(args, 'arguments');
  const policy = o.policy === undefined || o.policy === null ? null : jsonText(o.policy, 'policy');
  const method = o.verificationMethod === undefined || o.verificationMethod === null
    ? null : jsonText(o.verificationMethod, 'verificationMethod');
  return JSON.parse(native.policyEvaluateSettlement(policy, method,
    requireString(o.verificationStatus, 'verificationStatus'), requireString(o.runStatus ?? 'completed', 'runStatus'),
    requireInteger(o.amountCents, 'amountCents')));
}

/**
 * A settlement policy (SettlementPolicy.v1 or its inputs), validated and normalized once.
 * Immutable. `normalized` is the normal form, `hash` the policyHash an agreement pins. Throws
 * NOOTERRA_INVALID_ARGUMENT (reason POLICY_INVALID, the message names the JSON path).
 */
class Policy {
  constructor(policy = {}) {
    const [text, hash] = native.policyNormalize(1, jsonText(policy, 'policy'));
    Object.defineProperty(this, '_text', { value: text });
    /** The normal form. */
    this.normalized = JSON.parse(text);
    /** The policyHash. */
    this.hash = hash;
    Object.freeze(this);
  }
  /** The reference's evaluation of one run under this policy. */
  evaluate(args) {
    const o = options(args, 'arguments');
    return evaluateSettlementPolicy({ ...o, policy: this._text });
  }
  /** What if this policy had been pinned: the store's recorded decisions of `tenant`, re-evaluated. */
  async simulate(store, tenant) {
    if (!(store instanceof Store)) throw argumentError('store must be a Store');
    return JSON.parse(await store._s.policySimulate(requireString(tenant, 'tenant'), this._text));
  }
}

/**
 * The unified spend policy (SpendPolicy.v1): per-call and rolling-window caps, allow and deny
 * lists, delegation limits, an approval threshold, risk scores and signals, decided with one
 * precedence (deny > escalate > challenge > allow); the rule table is in
 * include/nooterra/spend_policy.h. Compiled once, immutable. Throws NOOTERRA_INVALID_ARGUMENT
 * (reason POLICY_INVALID, the message names the JSON path).
 */
class SpendPolicy {
  constructor(policy) {
    const text = jsonText(policy, 'policy');
    Object.defineProperty(this, '_compiled', { value: new native.NativeSpendPolicy(text) });
    const normal = native.policyNormalize(3, text)[0];
    Object.defineProperty(this, '_text', { value: normal });
    /** The normal form. */
    this.normalized = JSON.parse(normal);
    /** SHA-256 of the normal form. */
    this.hash = this._compiled.hash;
    Object.freeze(this);
  }
  /**
   * Decides one spend: {outcome, reasons, windows, amountCents, policyHash}. `spends` are the
   * payer's past spends the rolling windows are summed from; `now` ends every window. A deny is a
   * value; malformed input throws NOOTERRA_INVALID_ARGUMENT.
   */
  evaluate(request, opts) {
    const o = options(opts, 'options');
    const spends = o.spends === undefined || o.spends === null ? null : jsonText(o.spends, 'options.spends');
    return JSON.parse(this._compiled.evaluate(jsonText(request, 'request'), spends, requireString(o.now, 'options.now'))[0]);
  }
  /** What if this policy had been the payer's: every recorded lock of `payer`, re-evaluated. */
  async simulate(store, tenant, payer) {
    if (!(store instanceof Store)) throw argumentError('store must be a Store');
    return JSON.parse(await store._s.spendPolicySimulate(requireString(tenant, 'tenant'), requireString(payer, 'payer'),
      this._text));
  }
}

/** Validates an agent wallet policy and returns its normal form. */
function normalizeWalletPolicy(policy) {
  return JSON.parse(native.policyNormalize(2, jsonText(policy, 'policy'))[0]);
}

/**
 * The reference's governance-template decision (GovernancePolicyDecision.v1): `decision` allow |
 * challenge | deny, every check in order with its message, the blocking issues, the matched
 * approval tier. An invalid template or request is a deny decision carrying
 * POLICY_TEMPLATE_INVALID / POLICY_REQUEST_INVALID, as in the reference; only text that is not
 * JSON throws.
 */
function evaluateGovernanceTemplate(template, request) {
  return JSON.parse(native.policyGovernanceEvaluate(jsonText(template, 'template'), jsonText(request, 'request')));
}

/** A GovernancePolicyTemplate.v1 in normal form with its templateHash; throws POLICY_TEMPLATE_INVALID. */
function normalizeGovernanceTemplate(template) {
  return JSON.parse(native.policyNormalize(4, jsonText(template, 'template'))[0]);
}

/** The three starter templates: {schemaVersion: 'GovernancePolicyTemplateCatalog.v1', templates}. */
function governanceTemplateCatalog() {
  return JSON.parse(native.policyGovernanceCatalog());
}

/**
 * Builds an ApprovalStandingPolicy.v1 (05-policy-evaluation.md §7) from its members and returns
 * its normal form with policyHash. Throws APPROVAL_STANDING_POLICY_INVALID with the reference's
 * message; a policyHash in the input must validate first. createdAt is required (the library
 * reads no clock).
 */
function buildStandingPolicy(policy) {
  return JSON.parse(native.policyNormalize(5, jsonText(policy, 'policy'))[0]);
}

/**
 * Matches an authority envelope against stored standing policies (an array, or one) and returns
 * the winner by the reference's precedence (deny before approve, then specificity, then policyId):
 * {effect: 'approve' | 'deny' | 'none', policyId, policyHash, specificity, evaluations}. No match is
 * effect 'none'; a policy that does not validate throws, naming its index.
 */
function evaluateStandingPolicies(policies, envelope) {
  return JSON.parse(native.policyStandingEvaluate(jsonText(policies, 'policies'), jsonText(envelope, 'envelope')));
}

// --- store, ledger and agreement kernel ----------------------------------------------------

/** Ledger buckets. */
const Bucket = Object.freeze({ AVAILABLE: 1, ESCROW: 2, HOLDBACK: 3, EXTERNAL: 4 });
const BUCKET_NAMES = { available: 1, escrow: 2, holdback: 3, external: 4 };

const Op = Object.freeze({
  LOCK_HOLD: 1, OPEN_DISPUTE: 2, SUBMIT_VERDICT: 3, CREATE: 4, FUND: 5, SUBMIT_EVIDENCE: 6, SETTLE: 7, VOID: 8,
  SET_WALLET_POLICY: 10, RESOLVE_ESCALATION: 11, CREATE_RFQ: 12, SUBMIT_BID: 13, ACCEPT_BID: 14, APPEND_RUN_EVENT: 15,
  RESOLVE_RUN_SETTLEMENT: 16, SET_AGENT_STATUS: 17,
});
const BATCH_OPERATIONS = {
  lockHold: 1, openDispute: 2, submitVerdict: 3, createAgreement: 4, fund: 5, submitEvidence: 6, settle: 7, void: 8,
  deposit: 9, setWalletPolicy: 10, resolveEscalation: 11, createRfq: 12, submitBid: 13, acceptBid: 14,
  appendRunEvent: 15, resolveRunSettlement: 16, setAgentStatus: 17,
};
const RECORDS = {
  hold: 1, case: 2, artifact: 3, wallet: 4, agreement: 5, tool_call_agreement: 6, evidence: 7, decision: 8,
  receipt: 9, escalation: 10, run: 11, run_settlement: 12, adjustment: 13, run_agreement: 14, offer: 15,
  acceptance: 16, agent_status: 17,
};

function result(pair) {
  const r = JSON.parse(pair[0]);
  // A replay of the same call (same idempotency key) is reported here too.
  r.alreadyExisted = Boolean(r.alreadyExisted || pair[1]);
  return r;
}

// Arguments of applyText / applyTextSync, checked: [code, subject|null, request text, now, key].
function textCall(tenant, operation, request, opts) {
  requireString(tenant, 'tenant');
  const code = BATCH_OPERATIONS[operation];
  if (typeof code !== 'number') {  // also 'constructor', 'toString', ... of the prototype
    throw argumentError(`operation must be one of ${Object.keys(BATCH_OPERATIONS).join(', ')}`);
  }
  const o = options(opts, 'options');
  const subject = o.subject === undefined || o.subject === null ? null : requireString(o.subject, 'options.subject');
  const body = request === undefined || request === null ? '' : jsonText(request, 'request');
  return [code, subject, body, requireString(o.now, 'options.now'),
    requireString(o.idempotencyKey, 'options.idempotencyKey')];
}

function stepOptions(opts) {
  const o = options(opts, 'options');
  return [requireString(o.now, 'options.now'), requireString(o.idempotencyKey, 'options.idempotencyKey')];
}

/**
 * An LMDB store with the ledger and the agreement kernel. Every operation returns a Promise and
 * runs off the main thread; one Store may be used by many concurrent calls (the library
 * serializes writers). Every mutating call takes an idempotency key: a retry with the same key
 * and request resolves to the first result with alreadyExisted true.
 */
class Store {
  constructor(nativeStore) {
    if (!(nativeStore instanceof native.NativeStore)) throw argumentError('use Store.open(path, options)');
    this._s = nativeStore;
  }

  /** Opens (or creates) the store in directory `dir`. Options: durable, create, mapBytesMax. */
  static async open(dir, opts) {
    requireString(dir, 'path');
    const o = options(opts, 'options');
    return new Store(new native.NativeStore(dir, o.durable !== false, o.create !== false,
      requireInteger(o.mapBytesMax ?? 0, 'options.mapBytesMax')));
  }

  /** Closes the store; calls already queued finish first, later calls reject with STORE_CLOSED. */
  close() { this._s.close(); }
  /** True after close(). */
  get closed() { return this._s.closed; }

  /** Posts one balanced entry {id, memo, postings: [{owner, currency, bucket, amount}]}. */
  async ledgerPost(tenant, entry) {
    return this._s.ledgerPost(requireString(tenant, 'tenant'), jsonText(entry, 'entry'));
  }
  /**
   * Posts many balanced entries in one durable transaction, all or nothing: each is checked against
   * the balances the entries before it left; the first failure rejects with its index
   * ("(batch entry N)") in the message and nothing is written.
   */
  async ledgerPostBatch(tenant, entries) {
    if (!Array.isArray(entries)) throw argumentError('entries must be an array');
    return this._s.ledgerPostBatch(requireString(tenant, 'tenant'), jsonText(entries, 'entries'));
  }
  /** A balance in minor units (a Number, or a BigInt beyond 2^53). */
  async balance(tenant, owner, currency = 'USD', bucket = Bucket.AVAILABLE) {
    const b = typeof bucket === 'string' ? BUCKET_NAMES[bucket] : bucket;
    return this._s.ledgerBalance(requireString(tenant, 'tenant'), requireString(owner, 'owner'),
      requireString(currency, 'currency'), requireInteger(b ?? -1, 'bucket'));
  }
  /** The ledger audit: a list of violations (empty when sound). */
  async check(tenant) {
    return JSON.parse(await this._s.ledgerCheck(requireString(tenant, 'tenant')));
  }
  /**
   * The whole-store audit `nooterra store check` prints, for one tenant or (no argument) every
   * tenant: {ok, tenants: [{tenant, oplog, violations}]} — the ledger audit, escrow conservation
   * and the operation log's chain. Violations are values.
   */
  async audit(tenant) {
    return JSON.parse(await this._s.storeCheck(tenant === undefined || tenant === null ? null
      : requireString(tenant, 'tenant')));
  }
  /** The tenants with ledger records or an operation log, in byte order. */
  async tenants() {
    return JSON.parse(await this._s.tenants());
  }

  async registerAgent(tenant, agentId, publicKeyPem) {
    return result(await this._s.registerAgent(requireString(tenant, 'tenant'), requireString(agentId, 'agentId'),
      requireString(publicKeyPem, 'publicKeyPem')));
  }
  /** Credits an agent's available balance. Options: currency (default 'USD'), idempotencyKey. */
  async deposit(tenant, agentId, amountCents, opts) {
    const o = options(opts, 'options');
    return result(await this._s.deposit(requireString(tenant, 'tenant'), requireString(agentId, 'agentId'),
      requireString(o.currency ?? 'USD', 'options.currency'), requireInteger(amountCents, 'amountCents'),
      requireString(o.idempotencyKey, 'options.idempotencyKey')));
  }

  async _apply(tenant, op, subject, request, opts) {
    const [now, key] = stepOptions(opts);
    return result(await this._s.apply(requireString(tenant, 'tenant'), op, subject, request, now, key));
  }
  /**
   * Sets an agent's wallet policy {maxPerTransactionCents?, requireApprovalAboveCents?,
   * maxDailyCents?}, enforced whenever the agent's money is locked in escrow (fund, lockHold): a
   * blocked lock rejects with NOOTERRA_FAILED_PRECONDITION and reason WALLET_POLICY_MAX_PER_TX,
   * WALLET_POLICY_APPROVAL_REQUIRED or WALLET_POLICY_MAX_DAILY. Options: idempotencyKey.
   */
  async setWalletPolicy(tenant, agentId, policy, opts) {
    const o = options(opts, 'options');
    return result(await this._s.apply(requireString(tenant, 'tenant'), Op.SET_WALLET_POLICY,
      requireString(agentId, 'agentId'), jsonText(policy, 'policy'), '', requireString(o.idempotencyKey, 'options.idempotencyKey')));
  }
  /**
   * Decides an escalated fund ('esc_fund_<agreementHash>', stored pending when the approval rule
   * of a wallet policy with approverAgentIds blocked fund): `action` is an OperatorAction.v1
   * (caseRef kind 'escalation', action APPROVE or REJECT) signed by one of the approvers.
   */
  async resolveEscalation(tenant, escalationId, action, opts) {
    return this._apply(tenant, Op.RESOLVE_ESCALATION, requireString(escalationId, 'escalationId'),
      jsonText(action, 'action'), opts);
  }
  /** Posts a request for quotes: {rfqId, posterAgentId, budgetCents, currency?, title?, description?, capability?}. */
  async createRfq(tenant, request, opts) {
    return this._apply(tenant, Op.CREATE_RFQ, null, jsonText(request, 'request'), opts);
  }
  /** Bids on an open RFQ: {bidId, bidderAgentId, amountCents, etaSeconds?, note?, verificationMethod?}. */
  async submitBid(tenant, rfqId, bid, opts) {
    return this._apply(tenant, Op.SUBMIT_BID, requireString(rfqId, 'rfqId'), jsonText(bid, 'bid'), opts);
  }
  /**
   * Accepts a bid ({bidId, ...}): run run_<rfqId>_<bidId>, the amount locked in the poster's escrow,
   * the default settlement policy and the bid's method pinned, a locked settlement. Resolves
   * {rfqId, bidId, runId, run, agreement, settlement}.
   */
  async acceptBid(tenant, rfqId, acceptance, opts) {
    return this._apply(tenant, Op.ACCEPT_BID, requireString(rfqId, 'rfqId'), jsonText(acceptance, 'acceptance'), opts);
  }
  /**
   * Appends a chained event {expectedPrevChainHash, type, payload?} to a run (the expected hash is
   * the run's lastChainHash). A terminal event settles the run in the same transaction.
   */
  async appendRunEvent(tenant, runId, event, opts) {
    return this._apply(tenant, Op.APPEND_RUN_EVENT, requireString(runId, 'runId'), jsonText(event, 'event'), opts);
  }
  /**
   * An operator decides a run settlement left in manual review ({releaseRatePct, decisionReason?}):
   * floor(amount * rate / 100) to the payee, the rest back to the payer. Resolves {settlement}.
   */
  async resolveRunSettlement(tenant, runId, resolution, opts) {
    return this._apply(tenant, Op.RESOLVE_RUN_SETTLEMENT, requireString(runId, 'runId'),
      jsonText(resolution, 'resolution'), opts);
  }
  /**
   * The agent's lifecycle status from options.now ({status: 'active'|'suspended'|'revoked', reason?};
   * revoked is final). A suspended or revoked participant blocks locks, dispute opens and verdicts
   * (NOOTERRA_FAILED_PRECONDITION AGENT_SUSPENDED / AGENT_REVOKED). Resolves {agentId, status, history}.
   */
  async setAgentStatus(tenant, agentId, change, opts) {
    return this._apply(tenant, Op.SET_AGENT_STATUS, requireString(agentId, 'agentId'), jsonText(change, 'change'), opts);
  }
  /** Replay evaluation of a run's settlement from the stored records (comparisons, kernelBindingErrors). */
  async replayEvaluateRun(tenant, runId) {
    return JSON.parse(await this._s.replayEvaluateRun(requireString(tenant, 'tenant'), requireString(runId, 'runId')));
  }
  /** Creates a tool-call agreement: {agreement, holdbackBps, challengeWindowMs, policy?, ...}. */
  async createAgreement(tenant, request, opts) {
    return this._apply(tenant, Op.CREATE, null, jsonText(request, 'request'), opts);
  }
  /** Places the funding hold of an agreement. */
  /**
   * Locks the agreement's amount in the payer's escrow (created -> funded). opts.riskScore
   * (0..100) and opts.riskSignals feed the payer's spend policy risk rules and are part of the
   * idempotent request. An escalation is a value: {escalation, record}.
   */
  async fund(tenant, agreementHash, opts) {
    const o = options(opts, 'options');
    const risk = {};
    if (o.riskScore !== undefined && o.riskScore !== null) risk.riskScore = o.riskScore;
    if (o.riskSignals !== undefined && o.riskSignals !== null) risk.riskSignals = o.riskSignals;
    return this._apply(tenant, Op.FUND, requireString(agreementHash, 'agreementHash'),
      Object.keys(risk).length ? JSON.stringify(risk) : '', opts);
  }
  /** Records the payee-signed ToolCallEvidence.v1. */
  async submitEvidence(tenant, evidence, opts) {
    return this._apply(tenant, Op.SUBMIT_EVIDENCE, null, jsonText(evidence, 'evidence'), opts);
  }
  /** Settles an agreement (decision, release/refund, holdback, signed receipt). */
  async settle(tenant, request, opts) {
    return this._apply(tenant, Op.SETTLE, null, jsonText(request, 'request'), opts);
  }
  /** Voids an agreement's hold before settlement. */
  async void(tenant, agreementHash, opts) {
    return this._apply(tenant, Op.VOID, requireString(agreementHash, 'agreementHash'), '', opts);
  }
  /** Locks a tool-call holdback hold. */
  async lockHold(tenant, request, opts) {
    return this._apply(tenant, Op.LOCK_HOLD, null, jsonText(request, 'request'), opts);
  }
  /**
   * Opens a dispute (signed DisputeOpenEnvelope.v1 inside the request). The arbiter (named or
   * drawn from panelCandidateAgentIds) is never the payer, the payee or the opener
   * (NOOTERRA_INVALID_ARGUMENT DISPUTE_ARBITER_IS_PARTY).
   */
  async openDispute(tenant, request, opts) {
    return this._apply(tenant, Op.OPEN_DISPUTE, null, jsonText(request, 'request'), opts);
  }
  /** Submits the signed verdict of a case: exactly one deterministic adjustment. */
  async submitVerdict(tenant, caseId, verdict, opts) {
    return this._apply(tenant, Op.SUBMIT_VERDICT, requireString(caseId, 'caseId'), jsonText(verdict, 'verdict'), opts);
  }
  /**
   * Group commit: runs the operations in order in ONE durable transaction. Each operation is
   * {operation, request?, subject?, now, idempotencyKey} with operation one of 'createAgreement',
   * 'fund', 'submitEvidence', 'settle', 'void', 'lockHold', 'openDispute', 'submitVerdict'
   * (subject = the case id) or 'deposit' (request {agentId, currency, amountCents}); fund and void
   * take the agreement hash as subject. Resolves to one result per operation, in order:
   * {ok: true, alreadyExisted, result} or {ok: false, code, codeNumber, reason, message}. A failed
   * operation changes nothing and is a value; the promise rejects only when the batch as a whole
   * is refused (empty, too large, store full), and then nothing commits.
   */
  async applyBatch(tenant, operations) {
    requireString(tenant, 'tenant');
    if (!Array.isArray(operations)) throw argumentError('operations must be an array');
    // Packed for the addon in one pass: per operation [code, has-subject] in an Int32Array and
    // the four text fields (subject, request, now, key) joined by NUL into one string, so the
    // addon reads two values instead of a handful per operation. The kernel takes subject, now
    // and key as C strings, so a NUL inside one could only ever truncate it: refused here.
    const n = operations.length;
    const codes = new Int32Array(n * 2);
    const fields = new Array(n * 4);
    // Checks are inline and messages are built only on failure: this loop runs per operation.
    const text = (value, i, member) => {
      if (typeof value !== 'string') throw argumentError(`operations[${i}].${member} must be a string`);
      if (value.includes('\0')) throw argumentError(`operations[${i}].${member} must not contain NUL characters`);
      return value;
    };
    for (let i = 0; i < n; i++) {
      const o = operations[i];
      if (o === null || typeof o !== 'object') throw argumentError(`operations[${i}] must be an object`);
      const code = BATCH_OPERATIONS[o.operation];
      if (typeof code !== 'number') {  // also 'constructor', 'toString', ... of the prototype
        throw argumentError(`operations[${i}].operation must be one of ${Object.keys(BATCH_OPERATIONS).join(', ')}`);
      }
      const subject = o.subject;
      const request = o.request;
      codes[2 * i] = code;
      codes[2 * i + 1] = subject === undefined || subject === null ? 0 : 1;
      fields[4 * i] = codes[2 * i + 1] === 0 ? '' : text(subject, i, 'subject');
      fields[4 * i + 1] = request === undefined || request === null ? ''
        : typeof request === 'object' && !(request instanceof Uint8Array) ? JSON.stringify(request)
          : text(jsonText(request, `operations[${i}].request`), i, 'request');
      fields[4 * i + 2] = text(o.now, i, 'now');
      fields[4 * i + 3] = text(o.idempotencyKey, i, 'idempotencyKey');
    }
    return JSON.parse(await this._s.applyBatch(tenant, codes, fields.join('\0')));
  }
  /**
   * Any kernel operation by its applyBatch name (settle, fund, deposit, ...), with the result as
   * canonical JSON text: resolves to {text, alreadyExisted}. For hot paths that store or forward
   * results (no JSON.parse). Options: subject (the agreement hash for fund and void, the case id
   * for submitVerdict, the agent id for setWalletPolicy, the escalation id for
   * resolveEscalation), now, idempotencyKey. Rejects like the named methods.
   */
  async applyText(tenant, operation, request, opts) {
    const [code, subject, body, now, key] = textCall(tenant, operation, request, opts);
    const pair = await this._s.apply(tenant, code, subject, body, now, key);
    return { text: pair[0], alreadyExisted: pair[1] };
  }
  /**
   * applyText on the calling thread, returning {text, alreadyExisted} (throws instead of
   * rejecting). No thread hop: the lowest latency per call, but the event loop waits for the
   * kernel call — including the fsync of a durable store. Meant for latency-bound callers with a
   * non-durable store or their own batching; prefer applyText or applyBatch otherwise.
   */
  applyTextSync(tenant, operation, request, opts) {
    // The common call checked inline (no intermediate array: this is a per-call hot path);
    // anything else goes through textCall, which throws the precise error or normalizes.
    const code = BATCH_OPERATIONS[operation];
    let subject = opts?.subject ?? null;
    let body = request;
    if (typeof tenant !== 'string' || typeof code !== 'number' || typeof body !== 'string' ||
        (subject !== null && typeof subject !== 'string') || typeof opts?.now !== 'string' ||
        typeof opts?.idempotencyKey !== 'string') {
      [, subject, body] = textCall(tenant, operation, request, opts);
    }
    const text = this._s.applySync(tenant, code, subject, body, opts.now, opts.idempotencyKey);
    // The addon wrote alreadyExisted into the store's own Int32Array (cheaper than returning a pair).
    const flag = this._flag ?? (this._flag = this._s.syncFlag);
    return { text, alreadyExisted: flag[0] === 1 };
  }
  /** SHA-256 of every record of the tenant: equal hashes mean byte-identical stores. */
  async stateHash(tenant) {
    return this._s.stateHash(requireString(tenant, 'tenant'));
  }
  /** Walks the tenant's hash-chained operation log: {entries, headHash}; rejects OPLOG_BROKEN. */
  async verifyLog(tenant) {
    return JSON.parse(await this._s.verifyLog(requireString(tenant, 'tenant')));
  }
  /**
   * Reputation facts of one agent (kernel-v0 steps 10-11): the ReputationEvent.v1 records the
   * kernel appended about it, with asOf - window < occurredAt <= asOf, aggregated. `asOf` is an
   * ISO time with an offset (the library reads no clock); window '7d' | '30d' | 'allTime'.
   */
  async reputationFacts(tenant, { agentId, asOf, toolId = null, window = 'allTime', includeEvents = false } = {}) {
    if (typeof includeEvents !== 'boolean') throw argumentError('includeEvents must be a boolean');
    const request = { agentId: requireString(agentId, 'agentId'), asOf: requireString(asOf, 'asOf'),
      window: requireString(window, 'window'), includeEvents };
    if (toolId !== null && toolId !== undefined) request.toolId = requireString(toolId, 'toolId');
    return JSON.parse(await this._s.reputationFacts(requireString(tenant, 'tenant'), JSON.stringify(request)));
  }
  /**
   * Replay evaluation of one tool call (kernel-v0 step 9): the stored hold, dispute case, holdback
   * adjustment and verdict artifact re-derived and compared. Inconsistent records resolve with
   * comparisons.chainConsistent false and issue codes; a missing hold rejects NOOTERRA_NOT_FOUND.
   */
  async replayEvaluate(tenant, agreementHash) {
    return JSON.parse(await this._s.replayEvaluate(requireString(tenant, 'tenant'),
      requireString(agreementHash, 'agreementHash')));
  }
  /** Re-runs `source`'s operation log of `tenant` into this store: {entries, stateHash}. */
  async replayFrom(source, tenant) {
    if (!(source instanceof Store)) throw argumentError('source must be a Store');
    return JSON.parse(await this._s.replayFrom(source._s, requireString(tenant, 'tenant')));
  }
  /** Releases holdbacks whose challenge window has passed. Options: now, dryRun, limit. */
  async runMaintenance(tenant, opts) {
    const o = options(opts, 'options');
    return JSON.parse(await this._s.maintenance(requireString(tenant, 'tenant'), requireString(o.now, 'options.now'),
      o.dryRun === true, requireInteger(o.limit ?? 1000, 'options.limit')));
  }
  /**
   * A stored record: kind is 'hold', 'case', 'artifact', 'wallet' ('agent/currency'),
   * 'agreement', 'tool_call_agreement', 'evidence', 'decision', 'receipt', 'escalation', 'run'
   * (key runId: {run, events}), 'run_settlement' (key runId: AgentRunSettlement.v1),
   * 'run_agreement', 'offer', 'acceptance' (key runId: the agreement record, the accepted
   * MarketplaceOffer.v2, the MarketplaceAcceptance.v2), 'agent_status' (key agentId) or
   * 'adjustment' (key adjustmentId: SettlementAdjustment.v1, `sadj_agmt_<agreementHash>_holdback`).
   * Rejects with NOOTERRA_NOT_FOUND (RECORD_NOT_FOUND).
   */
  async get(tenant, kind, key) {
    const k = RECORDS[kind];
    if (k === undefined) throw argumentError(`kind must be one of ${Object.keys(RECORDS).join(', ')}`);
    return JSON.parse(await this._s.get(requireString(tenant, 'tenant'), k, requireString(key, 'key')));
  }
  /** {available, escrow} of an agent's wallet. */
  async wallet(tenant, agentId, currency = 'USD') {
    return this.get(tenant, 'wallet', `${requireString(agentId, 'agentId')}/${requireString(currency, 'currency')}`);
  }
}

module.exports = {
  VERSION: native.VERSION,
  ABI_VERSION: native.ABI_VERSION,
  canonicalize,
  canonicalHash,
  sha256Hex,
  keyId,
  PrivateKey,
  verifySignature,
  ObjectType,
  schemaVersion,
  buildObject,
  validateObject,
  objectHash,
  signObject,
  verifyObject,
  BundleKind,
  verifyBundle,
  evaluateSettlementPolicy,
  Policy,
  SpendPolicy,
  normalizeWalletPolicy,
  evaluateGovernanceTemplate,
  normalizeGovernanceTemplate,
  governanceTemplateCatalog,
  buildStandingPolicy,
  evaluateStandingPolicies,
  verifyRelease,
  evaluateSignerLifecycle,
  Bucket,
  Store,
};
