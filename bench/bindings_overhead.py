"""Per-call overhead of the Python binding: median ns of a trivial C ABI call made through the
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


doc = '{"agreementHash":"x","amountCents":1500,"currency":"USD"}'
if os.environ.get("NOOTERRA_BENCH_ONLY") == "batch":  # the batch figure alone (bench/batch_compare.sh)
    print(json.dumps({"python_batch_deposits_per_s": round(batch_deposits_per_s())}))
    raise SystemExit(0)
print(json.dumps({
    "python_batch_deposits_per_s": round(batch_deposits_per_s()),
    "python_call_overhead_ns": round(ns_per_call(lambda: _nooterra.object_schema_version(1)), 1),
    "python_canonical_hash_small_ns": round(ns_per_call(lambda: nooterra.canonical_hash(doc), n=100_000), 1),
}))
