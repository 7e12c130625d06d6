"""Per-call overhead of the Python binding (and one settle call replayed by its idempotency key,
beside nooterra-bench's capi_settle_replay_ns): median ns of a trivial C ABI call made through the
extension (nooterra_object_schema_version: a table lookup), and of canonical_hash on a 60-byte
document, next to the same through C++ (nooterra-bench canonical_hash_objects_per_s is a
different, larger input; compare the trivial call). Prints one JSON object.

usage: PYTHONPATH=build/python python3 bench/bindings_overhead.py
"""

import json
import os
import statistics
import time

import nooterra
from nooterra import _nooterra


def ns_per_call(fn, n=200_000, rounds=5):
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(samples)


def batch_deposits_per_s(rounds=5, batches=20):
    """Deposits through Store.apply_batch, 512 per commit, no fsync: compare with nooterra-bench
    batch_deposits_per_s (the same batches from C++)."""
    import tempfile
    rates = []
    with tempfile.TemporaryDirectory() as tmp, nooterra.Store(tmp + "/s", durable=False) as store:
        n = 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            for _ in range(batches):
                ops = []
                for i in range(512):
                    ops.append({"operation": "deposit", "now": "2026-01-01T00:00:00Z", "idempotency_key": f"dep_{n}",
                                "request": {"agentId": f"agt_{i % 16}", "currency": "USD", "amountCents": 1}})
                    n += 1
                store.apply_batch("bench", ops)
            rates.append(512 * batches / (time.perf_counter() - t0))
    return statistics.median(rates)


def settle_replay_ns():
    """One settle call replayed by its idempotency key: the same kernel work as nooterra-bench's
    capi_settle_replay_ns. Returns (Store.settle -> dict, Store.apply_text -> JSON text)."""
    import tempfile
    now = "2026-06-01T00:00:00Z"
    with tempfile.TemporaryDirectory() as tmp, nooterra.Store(tmp + "/s", durable=False) as store:
        store.register_agent("t", "agt_buyer", nooterra.PrivateKey.from_seed(b"\x01" * 32).public_key_pem)
        store.register_agent("t", "agt_tool", nooterra.PrivateKey.from_seed(b"\x02" * 32).public_key_pem)
        store.deposit("t", "agt_buyer", 5000, idempotency_key="dep")
        created = store.create_agreement("t", {
            "agreement": {"toolId": "tool_x", "callId": "call_1", "manifestHash": "a" * 64, "input": {},
                          "settlementTerms": {"amountCents": 1000, "currency": "USD"},
                          "payerAgentId": "agt_buyer", "payeeAgentId": "agt_tool"},
            "holdbackBps": 0, "challengeWindowMs": 800}, now=now, idempotency_key="c1")
        h = created["agreement"]["agreementHash"]
        store.fund("t", h, now=now, idempotency_key="f1")
        request = {"agreementHash": h, "decisionId": "d1", "receiptId": "r1", "verificationStatus": "green"}
        store.settle("t", request, now=now, idempotency_key="s1")
        decoded = ns_per_call(lambda: store.settle("t", request, now=now, idempotency_key="s1"), n=20_000)
        # JSON text in, JSON text out: the same inputs and outputs as the C ABI call it is compared
        # with, and that C ABI call looped inside the extension, in this process, round by round
        # (machine noise moves both alike): the added cost is the median per-round difference.
        text = json.dumps(request)
        code = nooterra.Store._OPERATIONS["settle"]
        raws, capis, diffs = [], [], []
        for _ in range(7):
            capi = _nooterra._bench_apply_ns(store._s, "t", code, text, None, now, "s1", 20_000)
            raw = ns_per_call(lambda: store.apply_text("t", "settle", text, now=now, idempotency_key="s1"),
                              n=20_000, rounds=1)
            raws.append(raw)
            capis.append(capi)
            diffs.append(raw - capi)
        return decoded, statistics.median(raws), statistics.median(capis), statistics.median(diffs)


doc = '{"agreementHash":"x","amountCents":1500,"currency":"USD"}'
if os.environ.get("NOOTERRA_BENCH_ONLY") == "batch":  # the batch figure alone (bench/batch_compare.sh)
    print(json.dumps({"python_batch_deposits_per_s": round(batch_deposits_per_s())}))
    raise SystemExit(0)
settle_dict_ns, settle_raw_ns, settle_capi_ns, settle_added_ns = settle_replay_ns()
print(json.dumps({
    "python_settle_replay_ns": round(settle_dict_ns, 1),
    "python_settle_replay_text_ns": round(settle_raw_ns, 1),
    "python_settle_replay_capi_ns": round(settle_capi_ns, 1),
    "python_settle_added_ns": round(settle_added_ns, 1),
    "python_batch_deposits_per_s": round(batch_deposits_per_s()),
    "python_call_overhead_ns": round(ns_per_call(lambda: _nooterra.object_schema_version(1)), 1),
    "python_canonical_hash_small_ns": round(ns_per_call(lambda: nooterra.canonical_hash(doc), n=100_000), 1),
}))
