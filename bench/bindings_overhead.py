"""Per-call overhead of the Python binding: median ns of a trivial C ABI call made through the
extension (nooterra_object_schema_version: a table lookup), and of canonical_hash on a 60-byte
document, next to the same through C++ (nooterra-bench canonical_hash_objects_per_s is a
different, larger input; compare the trivial call). Prints one JSON object.

usage: PYTHONPATH=build/python python3 bench/bindings_overhead.py
"""

import json
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


doc = '{"agreementHash":"x","amountCents":1500,"currency":"USD"}'
print(json.dumps({
    "python_call_overhead_ns": round(ns_per_call(lambda: _nooterra.object_schema_version(1)), 1),
    "python_canonical_hash_small_ns": round(ns_per_call(lambda: nooterra.canonical_hash(doc), n=100_000), 1),
}))
