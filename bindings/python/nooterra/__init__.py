"""nooterra: deterministic receipts, protocol objects, bundle verification and the settlement
kernel of the Nooterra protocol, over the library's stable C ABI.

Everything here is deterministic: the same inputs give the same bytes on every machine. Time
comes in as an argument (ISO 8601 with an offset); only :meth:`PrivateKey.generate` uses
randomness. Calls that hash, sign, verify or touch the store release the GIL.
"""

from __future__ import annotations

import functools as _functools
import json as _json
from enum import IntEnum
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _nooterra
from ._errors import (AlreadyExistsError, DataLossError, FailedPreconditionError, InternalError,
                      InvalidArgumentError, NooterraError, NotFoundError, OutOfRangeError,
                      PermissionDeniedError, ResourceExhaustedError, UnavailableError, _make_error)

_nooterra._set_error_factory(_make_error)

__version__ = _nooterra.VERSION
__all__ = [
    "AlreadyExistsError", "Bucket", "DataLossError", "FailedPreconditionError", "InternalError",
    "InvalidArgumentError", "NooterraError", "NotFoundError", "ObjectType", "OutOfRangeError",
    "PermissionDeniedError", "PrivateKey", "ResourceExhaustedError", "Store", "UnavailableError",
    "BundleKind", "SpendPolicy", "build_object", "evaluate_settlement_policy", "canonical_hash", "canonicalize", "key_id", "object_hash",
    "sha256_hex", "sign_object", "validate_object", "verify_bundle", "verify_object",
    "verify_signature", "Policy", "normalize_wallet_policy", "evaluate_governance_template",
    "governance_template_catalog", "normalize_governance_template", "build_standing_policy",
    "evaluate_standing_policies", "verify_release", "evaluate_signer_lifecycle",
]

Json = Union[str, bytes, Mapping[str, Any]]


# The fallback for values the extension's writer declines (json.dumps with keyword arguments
# would build a new JSONEncoder per call).
_ENCODER = _json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_nooterra._set_json_encoder(_ENCODER.encode)  # requests the extension's own writer refuses


def _text(value: Json) -> str:
    """JSON text of a str/bytes document or a mapping (mappings are serialized by the json
    module; the library canonicalizes whatever it hashes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    text = _nooterra.to_json(value)  # plain data, written by the extension (fast path)
    return text if text is not None else _ENCODER.encode(value)


def canonicalize(text: Union[str, bytes]) -> str:
    """The protocol's canonical JSON of a JSON document (raises InvalidArgumentError)."""
    return _nooterra.canonicalize(_text(text))


def canonical_hash(text: Union[str, bytes, Mapping[str, Any]]) -> str:
    """SHA-256 (lowercase hex) of the canonical JSON of a document."""
    return _nooterra.canonical_hash(_text(text))


def sha256_hex(data: Union[str, bytes]) -> str:
    """SHA-256 (lowercase hex) of raw bytes (a str is hashed as UTF-8)."""
    return _nooterra.sha256_hex(data.encode("utf-8") if isinstance(data, str) else bytes(data))


def key_id(public_key_pem: str) -> str:
    """The protocol key id of a public key PEM (hash of its exact text)."""
    return _nooterra.key_id(public_key_pem)


class PrivateKey:
    """An Ed25519 private key. Immutable; safe to share between threads."""

    __slots__ = ("_pem", "public_key_pem", "key_id")

    def __init__(self, triple: Tuple[str, str, str]) -> None:
        self._pem, self.public_key_pem, self.key_id = triple

    @classmethod
    def generate(cls) -> "PrivateKey":
        """A fresh key from the operating system's randomness."""
        return cls(_nooterra.key_generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> "PrivateKey":
        """The deterministic key of a 32-byte seed."""
        return cls(_nooterra.key_from_seed(bytes(seed)))

    @classmethod
    def from_pem(cls, pem: str) -> "PrivateKey":
        """Parses a PKCS#8 "PRIVATE KEY" PEM."""
        return cls(_nooterra.key_from_pem(pem))

    def to_pem(self) -> str:
        """The PKCS#8 PEM text."""
        return self._pem

    def sign_hash(self, hash_hex: str) -> bytes:
        """Ed25519 signature (64 bytes) over the 32 digest bytes of a hex SHA-256, as the
        protocol signs."""
        return _nooterra.sign_digest(self._pem, bytes.fromhex(hash_hex))

    def __repr__(self) -> str:
        return f"PrivateKey(key_id={self.key_id!r})"


def verify_signature(public_key_pem: str, hash_hex: str, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of the digest bytes of `hash_hex`."""
    return _nooterra.verify_digest(public_key_pem, bytes.fromhex(hash_hex), bytes(signature))


class ObjectType(IntEnum):
    """The protocol object types (values are the C ABI's)."""

    TOOL_MANIFEST = 1
    TOOL_CALL_AGREEMENT = 2
    TOOL_CALL_EVIDENCE = 3
    FUNDING_HOLD = 4
    SETTLEMENT_DECISION_RECORD_V1 = 5
    SETTLEMENT_DECISION_RECORD_V2 = 6
    SETTLEMENT_RECEIPT = 7
    SETTLEMENT_ADJUSTMENT = 8
    POLICY_DECISION = 9
    OPERATOR_ACTION = 10
    DISPUTE_OPEN_ENVELOPE = 11
    ARBITRATION_CASE = 12
    ARBITRATION_VERDICT = 13
    AGREEMENT_DELEGATION = 14
    AGENT_WALLET = 15
    AGENT_RUN_SETTLEMENT = 16
    MARKETPLACE_OFFER = 17
    MARKETPLACE_ACCEPTANCE = 18
    REPUTATION_EVENT = 19

    @property
    def schema_version(self) -> str:
        """"ToolCallAgreement.v1" etc."""
        return _nooterra.object_schema_version(int(self))

    @classmethod
    def from_schema_version(cls, schema_version: str) -> "ObjectType":
        for t in cls:
            if t.schema_version == schema_version:
                return t
        raise InvalidArgumentError(3, "INVALID_ARGUMENT", "OBJECT_TYPE_UNKNOWN",
                                   f"unknown schemaVersion {schema_version!r}")


def _type(t: Union[ObjectType, str, int]) -> int:
    if isinstance(t, str):
        return int(ObjectType.from_schema_version(t))
    return int(t)


def build_object(object_type: Union[ObjectType, str, int], inputs: Json, *,
                 signer: Optional[PrivateKey] = None, now: Optional[str] = None) -> Dict[str, Any]:
    """Builds a protocol object from inputs named like its members.

    Returns ``{"object": dict, "canonical": str, "hash": str}``; the same inputs always give
    the same bytes. Raises InvalidArgumentError with a reason such as OBJECT_FIELD_SHA256.
    """
    canonical, digest = _nooterra.object_build(_type(object_type), _text(inputs),
                                               signer.to_pem() if signer else None, now)
    return {"object": _json.loads(canonical), "canonical": canonical, "hash": digest}


def validate_object(obj: Json) -> Tuple[ObjectType, str]:
    """Checks that an object is valid and in normal form; returns (type, recomputed hash)."""
    t, digest = _nooterra.object_validate(_text(obj))
    return ObjectType(t), digest


def object_hash(obj: Json) -> str:
    """The self-hash recomputed from content (type from schemaVersion)."""
    return _nooterra.object_hash(_text(obj))


def sign_object(obj: Json, key: PrivateKey) -> Dict[str, Any]:
    """Re-signs an object: hash recomputed from content, signature envelope written."""
    canonical, digest = _nooterra.object_sign(_text(obj), key.to_pem())
    return {"object": _json.loads(canonical), "canonical": canonical, "hash": digest}


def verify_object(obj: Json, public_keys: Iterable[str] = ()) -> Dict[str, Any]:
    """Verifies any object (type, members, self-hash, signatures of the supplied PEM keys).

    Returns the report ``{"ok", "schemaVersion", "hash", "declaredHash", "signatures",
    "errors", "warnings"}``; a failed verification is a report with ``ok`` False.
    """
    return _json.loads(_nooterra.object_verify(_text(obj), list(public_keys)))


class BundleKind(IntEnum):
    """Proof bundle kinds (the nooterra-verify --<kind> flags)."""

    JOB_PROOF = 1
    MONTH_PROOF = 2
    FINANCE_PACK = 3
    INVOICE_BUNDLE = 4
    CLOSE_PACK = 5


_KIND_NAMES = {"job-proof": 1, "month-proof": 2, "finance-pack": 3, "invoice-bundle": 4, "close-pack": 5}


def verify_bundle(path: str, kind: Union[BundleKind, str, int], *, strict: bool = True,
                  fail_on_warnings: bool = False, trust: Optional[Mapping[str, Any]] = None,
                  hash_concurrency: int = 1) -> Dict[str, Any]:
    """Verifies a proof bundle directory offline and returns the VerifyCliOutput.v1 document.

    `trust` is shaped like trust.json: ``{"governanceRoots": {keyId: pem}, "pricingSigners":
    {...}, "pricingSignerKeyIds": [...], "timeAuthorities": {...}}``.
    """
    k = _KIND_NAMES[kind] if isinstance(kind, str) else int(kind)
    trust = trust or {}

    def opt(name: str) -> Optional[str]:
        value = trust.get(name)
        return None if value is None else _json.dumps(value)

    return _json.loads(_nooterra.verify_bundle(
        str(path), k, strict, fail_on_warnings, hash_concurrency, opt("governanceRoots"),
        opt("pricingSigners"), opt("pricingSignerKeyIds"), opt("timeAuthorities")))


def verify_release(path: str, trust_file: Optional[str] = None, *,
                   installed_about: Optional[Json] = None) -> Dict[str, Any]:
    """Verifies a release directory (ReleaseIndex.v1 and its detached signatures) against a
    ReleaseTrust file, as ``nooterra-release verify --format json`` does, and returns the
    VerifyReleaseOutput.v1 document (``ok``, ``signatureOk``, ``artifactsOk``, ``errors``, ...).
    A release that fails is a value, not an exception; without `trust_file` the report carries
    RELEASE_TRUST_MISSING (no default path is looked up). `installed_about` is an installed
    tool's ``--about --format json`` output to compare with the release. Releases the GIL."""
    about = None if installed_about is None else _text(installed_about)
    return _json.loads(_nooterra.release_verify(str(path), None if trust_file is None else str(trust_file), about))


def evaluate_signer_lifecycle(query: Json) -> Dict[str, Any]:
    """May a signer key sign an event at ``at`` (and is it still usable ``now``)? `query` is
    ``{"signerKey": {status?, validFrom?, validTo?, rotatedAt?, revokedAt?} | None, "at", "now"?,
    "requireRegistered"?, "enforceCurrentValidity"?}``; the result ``{"ok", "canonicalCode",
    "legacyCode", "validAtOk", "validAtCanonicalCode", "validNowOk", "validNowCanonicalCode",
    "message"}``. A denial is a value; a query that is not an object raises InvalidArgumentError."""
    return _json.loads(_nooterra.signer_lifecycle_evaluate(_text(query)))


def evaluate_settlement_policy(policy: Optional[Mapping[str, Any]] = None,
                               verification_method: Optional[Mapping[str, Any]] = None, *,
                               verification_status: str, amount_cents: int,
                               run_status: str = "completed") -> Dict[str, Any]:
    """The reference's settlement-policy evaluation: normalized policy and method with their
    hashes, decisionMode (automatic | manual-review), shouldAutoResolve, release/refund amounts
    and the reason codes in rule order. A manual-review outcome is a value, not an error."""
    return _json.loads(_nooterra.policy_evaluate_settlement(
        None if policy is None else _text(policy),
        None if verification_method is None else _text(verification_method),
        verification_status, run_status, amount_cents))


class Policy:
    """A settlement policy (SettlementPolicy.v1 or its inputs), validated and normalized once.

    Immutable and safe to share between threads. ``normalized`` is the normal form, ``hash`` the
    policyHash an agreement pins. Raises InvalidArgumentError (reason POLICY_INVALID, the message
    names the JSON path) for an invalid policy.
    """

    __slots__ = ("normalized", "hash", "_text")

    def __init__(self, policy: Optional[Mapping[str, Any]] = None) -> None:
        text, digest = _nooterra.policy_normalize(1, _text(policy if policy is not None else {}))
        self._text = text
        self.normalized: Dict[str, Any] = _json.loads(text)
        self.hash: str = digest

    def evaluate(self, *, verification_status: str, amount_cents: int, run_status: str = "completed",
                 verification_method: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The reference's evaluation of one run under this policy (see evaluate_settlement_policy)."""
        return evaluate_settlement_policy(self.normalized, verification_method, verification_status=verification_status,
                                          amount_cents=amount_cents, run_status=run_status)

    def simulate(self, store: "Store", tenant: str) -> Dict[str, Any]:
        """What if this policy had been pinned: every decision the store's pinned policies made in
        `tenant`, re-evaluated, with ``changed``, ``reasonsAdded`` and ``reasonsRemoved`` each."""
        return _json.loads(store._s.policy_simulate(tenant, self._text))

    def __repr__(self) -> str:
        return f"Policy({self.hash})"


class SpendPolicy:
    """The unified spend policy (SpendPolicy.v1): per-call and rolling-window caps, allow and deny
    lists, delegation limits, an approval threshold, risk scores and signals, decided with one
    precedence (deny > escalate > challenge > allow). The rule table is in
    include/nooterra/spend_policy.h.

    Compiled once; immutable and safe to share between threads. ``normalized`` is the normal form,
    ``hash`` its SHA-256. Raises InvalidArgumentError (reason POLICY_INVALID, the message names
    the JSON path) for an invalid policy.
    """

    __slots__ = ("normalized", "hash", "_compiled", "_text")

    def __init__(self, policy: Json) -> None:
        text = _text(policy)
        self._compiled = _nooterra.SpendPolicy(text)
        normal, _ = _nooterra.policy_normalize(3, text)
        self._text = normal
        self.normalized: Dict[str, Any] = _json.loads(normal)
        self.hash: str = self._compiled.hash

    def evaluate(self, request: Json, *, now: str, spends: Optional[Iterable[Mapping[str, Any]]] = None) -> Dict[str, Any]:
        """Decides one spend: ``{"outcome": "allow"|"challenge"|"escalate"|"deny", "reasons": [...],
        "windows": [...figures...], "amountCents", "policyHash"}``. ``spends`` are the payer's past
        spends (``{"at", "amountCents", "payerAgentId", "currency", "counterpartyAgentId",
        "agreementHash"?}``) the rolling windows are summed from; ``now`` ends every window. A deny
        is a value; InvalidArgumentError only for a malformed request, history or time."""
        history = None if spends is None else _text(list(spends))
        text, _outcome = self._compiled.evaluate(_text(request), history, now)
        return _json.loads(text)

    def simulate(self, store: "Store", tenant: str, payer: str) -> Dict[str, Any]:
        """What if this policy had been the payer's: every lock in the store's spend log of
        `payer`, re-evaluated against the locks before it: ``{"total", "blocked", "locks": [{...,
        "outcome", "reasons"}], ...}``. Reads only."""
        return _json.loads(store._s.spend_policy_simulate(tenant, payer, self._text))

    def __repr__(self) -> str:
        return f"SpendPolicy({self.hash})"


def normalize_wallet_policy(policy: Mapping[str, Any]) -> Dict[str, Any]:
    """Validates an agent wallet policy and returns its normal form (raises InvalidArgumentError
    with reason POLICY_INVALID for a limit that is not a safe integer >= 0 or an unknown member)."""
    text, _ = _nooterra.policy_normalize(2, _text(policy))
    return _json.loads(text)


def evaluate_governance_template(template: Json, request: Json) -> Dict[str, Any]:
    """The reference's governance-template decision (GovernancePolicyDecision.v1): ``decision``
    allow | challenge | deny, every check in order with its message, the blocking issues, the
    matched approval tier. An invalid template or request is a deny decision carrying
    POLICY_TEMPLATE_INVALID / POLICY_REQUEST_INVALID (as in the reference), not an exception;
    InvalidArgumentError only for text that is not JSON."""
    text, _outcome = _nooterra.policy_governance_evaluate(_text(template), _text(request))
    return _json.loads(text)


def normalize_governance_template(template: Json) -> Dict[str, Any]:
    """Validates a GovernancePolicyTemplate.v1 and returns its normal form with ``templateHash``
    (raises InvalidArgumentError, reason POLICY_TEMPLATE_INVALID, with the reference's message; a
    templateHash in the input must match)."""
    text, _ = _nooterra.policy_normalize(4, _text(template))
    return _json.loads(text)


def governance_template_catalog() -> Dict[str, Any]:
    """The three starter templates in normal form:
    ``{"schemaVersion": "GovernancePolicyTemplateCatalog.v1", "templates": [...]}``."""
    return _json.loads(_nooterra.policy_governance_catalog())


def build_standing_policy(policy: Json) -> Dict[str, Any]:
    """Builds an ApprovalStandingPolicy.v1 (05-policy-evaluation.md §7) from its members
    (``policyId``, ``principalRef``, ``displayName``, ``constraints``, ``decision``,
    ``createdAt``, ...) and returns its normal form with ``policyHash``. Raises
    InvalidArgumentError (reason APPROVAL_STANDING_POLICY_INVALID) with the reference's message;
    a ``policyHash`` in the input must validate first. ``createdAt`` is required: the library
    reads no clock."""
    text, _ = _nooterra.policy_normalize(5, _text(policy))
    return _json.loads(text)


def evaluate_standing_policies(policies: Union[Json, Sequence[Mapping[str, Any]]],
                               envelope: Json) -> Dict[str, Any]:
    """Matches an authority envelope against stored standing policies (a list, or one) and
    returns the winner by the reference's precedence (deny before approve, then specificity, then
    policyId): ``{"effect": "approve" | "deny" | "none", "policyId", "policyHash", "specificity",
    "evaluations": [{"policyId", "policyHash", "matched", "reasonCode", "specificity"}, ...]}``.
    No match is effect "none", not an exception; a policy that does not validate raises
    InvalidArgumentError naming its index."""
    if isinstance(policies, (list, tuple)):
        policies = list(policies)
    text, _effect = _nooterra.policy_standing_evaluate(_text(policies), _text(envelope))
    return _json.loads(text)


class Bucket(IntEnum):
    """Ledger buckets."""

    AVAILABLE = 1
    ESCROW = 2
    HOLDBACK = 3
    EXTERNAL = 4


_LOCK_HOLD, _OPEN_DISPUTE, _SUBMIT_VERDICT, _CREATE, _FUND, _EVIDENCE, _SETTLE, _VOID = range(1, 9)
_SET_WALLET_POLICY = 10
_RESOLVE_ESCALATION = 11
_CREATE_RFQ, _SUBMIT_BID, _ACCEPT_BID, _APPEND_RUN_EVENT, _RESOLVE_RUN_SETTLEMENT = range(12, 17)
_SET_AGENT_STATUS = 17


class Store:
    """An LMDB store with the ledger and the agreement kernel. Use as a context manager.

    Internally synchronized: one Store may be shared by threads. Every mutating call takes an
    idempotency key; a retry with the same key and request returns the first result with
    ``alreadyExisted`` True. Results are dicts (the kernel's JSON).
    """

    def __init__(self, path: str, *, durable: bool = True, create: bool = True,
                 map_bytes_max: int = 0) -> None:
        self._s = _nooterra.Store(str(path), durable, create, map_bytes_max)
        # The per-call hot path without a Python frame: apply_text below, done in the extension
        # (functools.partial is a C callable), ~0.4 µs less a call. Same arguments, same results.
        self.apply_text = _functools.partial(_nooterra.apply_text_kw, self._s)  # type: ignore[method-assign]

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the store; later calls raise FailedPreconditionError (STORE_CLOSED)."""
        self._s.close()

    @property
    def closed(self) -> bool:
        """True once close() ran (every later call raises FailedPreconditionError)."""
        return self._s.closed

    # -- ledger ---------------------------------------------------------------------------
    def ledger_post(self, tenant: str, entry: Mapping[str, Any]) -> None:
        """Posts one balanced entry ``{"id","memo","postings":[...]}`` in its own transaction."""
        self._s.ledger_post(tenant, _text(entry))

    def ledger_post_batch(self, tenant: str, entries: Sequence[Mapping[str, Any]]) -> None:
        """Posts many balanced entries in one durable transaction, all or nothing: each is checked
        against the balances the entries before it left; the first failure raises with its index
        ("(batch entry N)") in the message and nothing is written."""
        self._s.ledger_post_batch(tenant, _text(list(entries)))

    def balance(self, tenant: str, owner: str, currency: str = "USD",
                bucket: Bucket = Bucket.AVAILABLE) -> int:
        """The balance in minor units of one ledger account (tenant, owner, currency, bucket);
        0 for an account never posted to."""
        return self._s.ledger_balance(tenant, owner, currency, int(bucket))

    def check(self, tenant: str) -> List[str]:
        """The ledger audit: a list of violations (empty when sound)."""
        return _json.loads(self._s.ledger_check(tenant))

    def audit(self, tenant: Optional[str] = None) -> Dict[str, Any]:
        """The whole-store audit ``nooterra store check`` prints, for one tenant or every tenant:
        ``{"ok", "tenants": [{"tenant", "oplog", "violations"}]}`` — the ledger audit, escrow
        conservation (escrow balances equal what open agreements and held holds account for)
        and the operation log's hash chain. Violations are values, not exceptions."""
        return _json.loads(self._s.store_check(tenant))

    def tenants(self) -> List[str]:
        """The tenants with ledger records or an operation log, in byte order."""
        return _json.loads(self._s.tenants())

    # -- agreement kernel ---------------------------------------------------------------------
    def _result(self, pair: Tuple[str, bool]) -> Dict[str, Any]:
        result = _json.loads(pair[0])
        # A replay of the same call (same idempotency key) is reported here too.
        result["alreadyExisted"] = bool(result.get("alreadyExisted", False) or pair[1])
        return result

    def register_agent(self, tenant: str, agent_id: str, public_key_pem: str) -> Dict[str, Any]:
        """Registers an agent's Ed25519 public key (PEM SPKI) under `agent_id`; its signatures are
        then checked on the artifacts it signs. Registering the same key again reports
        ``alreadyExisted``; another key for the same id raises AlreadyExistsError."""
        return self._result(self._s.register_agent(tenant, agent_id, public_key_pem))

    def deposit(self, tenant: str, agent_id: str, amount_cents: int, *, currency: str = "USD",
                idempotency_key: str) -> Dict[str, Any]:
        """Moves `amount_cents` from the currency's external funding account to the agent's
        available balance (one balanced transaction). Idempotent by `idempotency_key`."""
        return self._result(self._s.deposit(tenant, agent_id, currency, amount_cents, idempotency_key))

    def _apply(self, tenant: str, op: int, subject: Optional[str], request: Json, now: str,
               key: str) -> Dict[str, Any]:
        return self._result(self._s.apply(tenant, op, subject, _text(request), now, key))

    def set_wallet_policy(self, tenant: str, agent_id: str, policy: Mapping[str, Any], *,
                          idempotency_key: str) -> Dict[str, Any]:
        """Sets an agent's wallet policy ``{"maxPerTransactionCents"?, "requireApprovalAboveCents"?,
        "maxDailyCents"?}``, enforced whenever the agent's money is locked in escrow (fund,
        lock_hold): a blocked lock raises FailedPreconditionError with reason
        WALLET_POLICY_MAX_PER_TX, WALLET_POLICY_APPROVAL_REQUIRED or WALLET_POLICY_MAX_DAILY."""
        return self._apply(tenant, _SET_WALLET_POLICY, agent_id, policy, "", idempotency_key)

    def resolve_escalation(self, tenant: str, escalation_id: str, action: Json, *, now: str,
                           idempotency_key: str) -> Dict[str, Any]:
        """Decides an escalated fund (``esc_fund_<agreementHash>``, stored pending when the approval
        rule of a wallet policy with approverAgentIds blocked fund): `action` is an
        OperatorAction.v1 (caseRef kind "escalation", action APPROVE or REJECT) signed by one of
        the approvers. APPROVE funds the agreement now; REJECT closes the escalation."""
        return self._apply(tenant, _RESOLVE_ESCALATION, escalation_id, action, now, idempotency_key)

    def create_agreement(self, tenant: str, request: Json, *, now: str,
                         idempotency_key: str) -> Dict[str, Any]:
        """Creates a tool-call agreement (state created) from ``{"agreement": {...}, "holdbackBps",
        "challengeWindowMs", "policy"?}``; the result carries its ``agreementHash``."""
        return self._apply(tenant, _CREATE, None, request, now, idempotency_key)

    def fund(self, tenant: str, agreement_hash: str, *, now: str, idempotency_key: str,
             risk_score: Optional[int] = None,
             risk_signals: Optional[Iterable[str]] = None) -> Dict[str, Any]:
        """Locks the agreement's amount in the payer's escrow (created -> funded). ``risk_score``
        (0..100) and ``risk_signals`` feed the payer's spend policy risk rules; they are part of
        the idempotent request. An escalation (the payer's policy names approvers) is a value:
        ``{"escalation", "record"}``."""
        risk: Dict[str, Any] = {}
        if risk_score is not None:
            risk["riskScore"] = risk_score
        if risk_signals is not None:
            risk["riskSignals"] = list(risk_signals)
        return self._apply(tenant, _FUND, agreement_hash, _text(risk) if risk else "", now, idempotency_key)

    def submit_evidence(self, tenant: str, evidence: Json, *, now: str,
                        idempotency_key: str) -> Dict[str, Any]:
        """Records the work's evidence for a funded agreement (funded -> evidenced)."""
        return self._apply(tenant, _EVIDENCE, None, evidence, now, idempotency_key)

    def settle(self, tenant: str, request: Json, *, now: str, idempotency_key: str) -> Dict[str, Any]:
        """Settles an agreement under its pinned settlement policy: releases to the payee, refunds
        the payer, keeps any holdback, and writes the signed receipt — one write transaction."""
        return self._apply(tenant, _SETTLE, None, request, now, idempotency_key)

    def void(self, tenant: str, agreement_hash: str, *, now: str, idempotency_key: str) -> Dict[str, Any]:
        """Voids a funded agreement before settlement: the whole hold returns to the payer."""
        return self._apply(tenant, _VOID, agreement_hash, "", now, idempotency_key)

    def lock_hold(self, tenant: str, request: Json, *, now: str, idempotency_key: str) -> Dict[str, Any]:
        """Locks a tool-call hold (the holdback machine: ``{"agreementHash", "receiptHash",
        "payerAgentId", "payeeAgentId", "amountCents", "currency", "holdbackBps",
        "challengeWindowMs", "riskScore"?, "riskSignals"?}``); an escalation is a value."""
        return self._apply(tenant, _LOCK_HOLD, None, request, now, idempotency_key)

    def open_dispute(self, tenant: str, request: Json, *, now: str, idempotency_key: str) -> Dict[str, Any]:
        """Opens a dispute on a held tool call inside its challenge window (a signed
        DisputeOpenEnvelope.v1): the holdback is frozen and an arbitration case is opened.
        The arbiter is ``arbiterAgentId`` or drawn from ``panelCandidateAgentIds``, never the
        payer, the payee or the opener (InvalidArgumentError DISPUTE_ARBITER_IS_PARTY); an
        ``adminOverride`` ({reason, principalId}) is an operator's open (see agreement.h:
        authorize it in your application, never pass an agent's request through with it)."""
        return self._apply(tenant, _OPEN_DISPUTE, None, request, now, idempotency_key)

    def submit_verdict(self, tenant: str, case_id: str, verdict: Json, *, now: str,
                       idempotency_key: str) -> Dict[str, Any]:
        """Submits the arbiter's signed verdict for case `case_id`: exactly one adjustment
        (``sadj_agmt_<agreementHash>_holdback``) releases or refunds the holdback."""
        return self._apply(tenant, _SUBMIT_VERDICT, case_id, verdict, now, idempotency_key)

    _OPERATIONS = {"lock_hold": 1, "open_dispute": 2, "submit_verdict": 3, "create_agreement": 4, "fund": 5,
                   "submit_evidence": 6, "settle": 7, "void": 8, "deposit": 9, "set_wallet_policy": 10,
                   "resolve_escalation": 11}    # -- marketplace runs (kernel-v0 case B) ----------------------------------------------------
    def create_rfq(self, tenant: str, request: Json, *, now: str, idempotency_key: str) -> Dict[str, Any]:
        """Posts a request for quotes ``{"rfqId", "posterAgentId", "budgetCents", "currency"?,
        "title"?, "description"?, "capability"?}``; the poster pays whichever bid it accepts."""
        return self._apply(tenant, _CREATE_RFQ, None, request, now, idempotency_key)

    def submit_bid(self, tenant: str, rfq_id: str, bid: Json, *, now: str, idempotency_key: str) -> Dict[str, Any]:
        """Bids on an open RFQ: ``{"bidId", "bidderAgentId", "amountCents" (<= the budget),
        "etaSeconds"?, "note"?, "verificationMethod"?}`` (the method is normalized and hashed)."""
        return self._apply(tenant, _SUBMIT_BID, rfq_id, bid, now, idempotency_key)

    def accept_bid(self, tenant: str, rfq_id: str, acceptance: Json, *, now: str,
                   idempotency_key: str) -> Dict[str, Any]:
        """Accepts a bid ``{"bidId", ...}``: creates run ``run_<rfqId>_<bidId>``, locks the amount in
        the poster's escrow, pins the default settlement policy and the bid's verification method,
        and opens the locked settlement. Returns ``{"rfqId", "bidId", "runId", "run", "agreement",
        "settlement"}``."""
        return self._apply(tenant, _ACCEPT_BID, rfq_id, acceptance, now, idempotency_key)

    def append_run_event(self, tenant: str, run_id: str, event: Json, *, now: str,
                         idempotency_key: str) -> Dict[str, Any]:
        """Appends a chained event ``{"expectedPrevChainHash", "type", "payload"?}`` to a run (the
        expected hash must be the run's ``lastChainHash``). A terminal event (RUN_COMPLETED,
        RUN_FAILED) settles the run in the same transaction; the result then has "settlement"."""
        return self._apply(tenant, _APPEND_RUN_EVENT, run_id, event, now, idempotency_key)

    def resolve_run_settlement(self, tenant: str, run_id: str, release_rate_pct: int, *, now: str,
                               idempotency_key: str, decision_reason: Optional[str] = None) -> Dict[str, Any]:
        """An operator decides a run settlement left in manual review: ``floor(amount * rate / 100)``
        to the payee, the rest back to the payer, a manual_resolved record and a final receipt.
        Returns ``{"settlement"}``; a settlement not awaiting review raises FailedPreconditionError."""
        request: Dict[str, Any] = {"releaseRatePct": release_rate_pct}
        if decision_reason is not None:
            request["decisionReason"] = decision_reason
        return self._apply(tenant, _RESOLVE_RUN_SETTLEMENT, run_id, request, now, idempotency_key)

    def set_agent_status(self, tenant: str, agent_id: str, status: str, *, now: str, idempotency_key: str,
                         reason: Optional[str] = None) -> Dict[str, Any]:
        """The agent's lifecycle status from `now`: "active", "suspended" or "revoked" (final). A
        suspended or revoked participant blocks locks, dispute opens and verdicts
        (FailedPreconditionError AGENT_SUSPENDED / AGENT_REVOKED), and a signature made while its
        agent was not active is DISPUTE_INVALID_SIGNER. Returns ``{"agentId", "status",
        "history"}``; ``get(tenant, "agent_status", agent_id)`` reads it."""
        request: Dict[str, Any] = {"status": status}
        if reason is not None:
            request["reason"] = reason
        return self._apply(tenant, _SET_AGENT_STATUS, agent_id, request, now, idempotency_key)

    def replay_evaluate_run(self, tenant: str, run_id: str) -> Dict[str, Any]:
        """Replay evaluation of a run's settlement from the stored records: the verifier and the
        pinned policy re-run and compared (``comparisons``: matchesStoredDecision,
        policyDecisionMatchesStored, decisionRecordReplayCriticalMatchesStored,
        verifierRefMatchesStored, kernelBindingsValid)."""
        return _json.loads(self._s.replay_evaluate_run(tenant, run_id))

    _OPERATIONS = {"lock_hold": 1, "open_dispute": 2, "submit_verdict": 3, "create_agreement": 4, "fund": 5,
                   "submit_evidence": 6, "settle": 7, "void": 8, "deposit": 9, "set_wallet_policy": 10,
                   "resolve_escalation": 11, "create_rfq": 12, "submit_bid": 13, "accept_bid": 14,
                   "append_run_event": 15, "resolve_run_settlement": 16, "set_agent_status": 17}

    def apply_text(self, tenant: str, operation: str, request: Optional[Json] = None, *, subject: Optional[str] = None,
                   now: str, idempotency_key: str) -> Tuple[str, bool]:
        """Any kernel operation (the names of apply_batch), returning the result as canonical JSON
        text — what the C and C++ APIs return — and whether it replayed an earlier call. For hot
        paths that store or forward results: it skips decoding them into dicts (for a settlement,
        most of the binding's cost per call). Raises like the named methods."""
        # Each Store binds this name to the extension's apply_text_kw in __init__; this body is the
        # same call, for the class attribute (documentation, subclasses calling it explicitly).
        return _nooterra.apply_text_kw(self._s, tenant, operation, request, subject=subject, now=now,
                                       idempotency_key=idempotency_key)

    def apply_batch(self, tenant: str, operations: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
        """Group commit: runs the operations in order in ONE durable transaction.

        Each operation is ``{"operation": "settle", "request": {...} | None, "subject": str | None,
        "now": str, "idempotency_key": str}`` with operation one of create_agreement, fund,
        submit_evidence, settle, void, lock_hold, open_dispute, submit_verdict (subject = the case
        id) or deposit (request ``{"agentId", "currency", "amountCents"}``); fund and void take the
        agreement hash as subject. Returns one dict per operation, in order:
        ``{"ok": True, "alreadyExisted": bool, "result": {...}}`` or ``{"ok": False, "code":
        "FAILED_PRECONDITION", "codeNumber": 9, "reason": "...", "message": "..."}``. A failed
        operation changes nothing and is a value, not an exception; the call raises only when the
        batch as a whole is refused (empty, too large, store full), and then nothing commits.
        """
        if isinstance(operations, list):
            fast = self._s.apply_batch_dicts(tenant, operations, self._OPERATIONS)
            if fast is not None:
                return _json.loads(fast[0])
        ops = []
        for op in operations:
            name = op.get("operation")
            if name not in self._OPERATIONS:
                raise InvalidArgumentError(3, "INVALID_ARGUMENT", "AGREEMENT_OPERATION_UNKNOWN",
                                           f"operation must be one of {sorted(self._OPERATIONS)}")
            request = op.get("request")
            ops.append((self._OPERATIONS[name], op.get("subject"), "" if request is None else _text(request),
                        op["now"], op["idempotency_key"]))
        results, _failed = self._s.apply_batch(tenant, ops)
        return _json.loads(results)

    # -- audit trail ----------------------------------------------------------------------------
    def state_hash(self, tenant: str) -> str:
        """SHA-256 of every record of the tenant: equal hashes mean byte-identical stores."""
        return self._s.state_hash(tenant)

    def verify_log(self, tenant: str) -> Dict[str, Any]:
        """Walks the tenant's hash-chained operation log: ``{"entries", "headHash"}``.
        A broken chain raises DataLossError (reason OPLOG_BROKEN)."""
        return _json.loads(self._s.verify_log(tenant))

    def replay_evaluate(self, tenant: str, agreement_hash: str) -> Dict[str, Any]:
        """Replay evaluation of one tool call (kernel-v0 step 9): the stored hold, dispute case,
        holdback adjustment and verdict artifact re-derived and compared. Returns
        ``{"agreementHash", "holdHash", "caseId", "adjustmentId", "replay": {"stage", "expected",
        "actual"}, "comparisons": {..., "chainConsistent"}, "issues": [...]}``; inconsistent
        records are ``chainConsistent: False`` with issue codes, not an exception. A missing hold
        raises NotFoundError (TOOL_CALL_HOLD_NOT_FOUND)."""
        return _json.loads(self._s.replay_evaluate(tenant, agreement_hash))

    def reputation_facts(self, tenant: str, agent_id: str, *, as_of: str, tool_id: Optional[str] = None,
                         window: str = "allTime", include_events: bool = False) -> Dict[str, Any]:
        """Reputation facts of one agent (kernel-v0 steps 10-11): the ReputationEvent.v1 records the
        kernel appended about it (dispute_opened, verdict_issued, adjustment_applied,
        penalty_dispute_lost, holdback_auto_released) with ``as_of - window < occurredAt <= as_of``,
        aggregated: ``{"tenantId", "agentId", "toolId", "window", "asOf", "windowStartAt",
        "facts": {"totals": {"eventCount", "decisions", "disputes", "economics", "latencyMs"}},
        "events"?}``. `as_of` is an ISO time with an offset (the library reads no clock); `window`
        is "7d", "30d" or "allTime"."""
        request: Dict[str, Any] = {"agentId": agent_id, "asOf": as_of, "window": window,
                                   "includeEvents": include_events}
        if tool_id is not None:
            request["toolId"] = tool_id
        return _json.loads(self._s.reputation_facts(tenant, _ENCODER.encode(request)))

    def replay_from(self, source: "Store", tenant: str) -> Dict[str, Any]:
        """Re-runs `source`'s operation log of `tenant` into this (empty for that tenant) store,
        checking every result: ``{"entries", "stateHash"}``."""
        return _json.loads(self._s.replay_from(source._s, tenant))

    def run_maintenance(self, tenant: str, *, now: str, dry_run: bool = False,
                        limit: int = 1000) -> Dict[str, Any]:
        """The maintenance tick at `now`: releases holdbacks whose challenge window has passed
        (never while a dispute is open), at most `limit`; ``dry_run`` reports without writing."""
        return _json.loads(self._s.maintenance(tenant, now, dry_run, limit))

    _RECORDS = {"hold": 1, "case": 2, "artifact": 3, "wallet": 4, "agreement": 5,
                "tool_call_agreement": 6, "evidence": 7, "decision": 8, "receipt": 9, "escalation": 10,
                "run": 11, "run_settlement": 12, "adjustment": 13, "run_agreement": 14, "offer": 15,
                "acceptance": 16, "agent_status": 17}

    def get(self, tenant: str, kind: str, key: str) -> Dict[str, Any]:
        """A stored record: kind is hold, case, artifact, wallet ("agent/currency"), agreement,
        tool_call_agreement, evidence, decision, receipt, escalation, run (key runId:
        ``{"run", "events"}``), run_settlement, run_agreement, offer, acceptance (each key runId:
        the settlement, the agreement record, the accepted MarketplaceOffer.v2, the
        MarketplaceAcceptance.v2), agent_status (key agentId) or adjustment (key adjustmentId, for a tool call
        ``sadj_agmt_<agreementHash>_holdback``). Raises NotFoundError."""
        return _json.loads(self._s.get(tenant, self._RECORDS[kind], key))

    def wallet(self, tenant: str, agent_id: str, currency: str = "USD") -> Dict[str, int]:
        """The agent's wallet record in `currency` (balances per bucket), as ``get(tenant,
        "wallet", ...)`` returns it."""
        return self.get(tenant, "wallet", f"{agent_id}/{currency}")
