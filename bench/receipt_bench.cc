// Receipt core: canonical JSON + SHA-256 + Ed25519, beside raw SHA-256 and Ed25519 baselines.
#include <cstdio>
#include <string>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define NOOTERRA_BENCH_SHA_NI 1
#endif

#include "harness.h"
#include "nooterra/c.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"

namespace nooterra::bench {

// A ToolCallAgreement.v1 as its schema defines it (the eleven required fields, no others;
// spec-data/schemas/ToolCallAgreement.v1.schema.json), 639 bytes: the "~600-byte agreement"
// the goal names. Its keys are in the order a producer would write them, not canonical order,
// so the benchmark includes sorting (two nested objects and the root).
std::string AgreementDocument(int variant) {
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      R"({"schemaVersion":"ToolCallAgreement.v1","toolId":"tool_weather_lookup_%d",)"
      R"("manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d",)"
      R"("callId":"call_bench_%08d","inputHash":"cbbbdcd27692344de5dbab3abcaba413fb0f45307267de7081401576df1cb176",)"
      R"("acceptanceCriteria":{"schemaCheck":true,"minOutputBytes":1,"maxLatencyMs":2500},)"
      R"("settlementTerms":{"amountCents":1500,"currency":"USD","holdbackBps":1000,"challengeWindowMs":86400000},)"
      R"("payerAgentId":"agt_buyer_0001","payeeAgentId":"agt_provider_0001","createdAt":"2026-02-01T00:00:00.000Z",)"
      R"("agreementHash":"e057ab6b034f630222bcf82a6465c0bc7bdb10ae721a7224523eec0b894f2f5d"})",
      variant, variant);
  return buf;
}

#ifdef NOOTERRA_BENCH_SHA_NI
// SHA-256's floor on a core with SHA-NI (which BoringSSL then uses): a 64-byte block is 32
// sha256rnds2 instructions, each needing the previous one's result, so a message of b blocks
// cannot hash faster than 32 * b of that instruction's latency, whatever the code around it
// does. The latency is measured (a dependent chain), not assumed: it differs between cores,
// and a VM does not say its clock.
bool HasShaNi() {
  unsigned a, b, c, d;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return (b & (1u << 29)) != 0;  // CPUID.(EAX=7,ECX=0):EBX bit 29 = SHA
}

__attribute__((target("sha"))) void Sha256Rnds2Chain(uint64_t n) {
  __m128i state = _mm_set1_epi32(1);
  const __m128i other = _mm_set1_epi32(2);
  const __m128i wk = _mm_set1_epi32(3);
  for (uint64_t i = 0; i < n; ++i) state = _mm_sha256rnds2_epu32(state, other, wk);
  asm volatile("" : : "x"(state));
}
#endif

// About 1 MB: an array of agreement documents.
std::string LargeDocument() {
  std::string doc = "[";
  for (int i = 0; doc.size() < (1u << 20); ++i) {
    if (i) doc += ",";
    doc += AgreementDocument(i);
  }
  return doc + "]";
}

void RunReceiptBenches(const Config& config, Report* report) {
  // Baseline: raw SHA-256 on 1 MiB.
  std::string mb(1 << 20, 'x');
  double sha_rate = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(crypto::Sha256Digest(mb));
  });
  report->Add("sha256_mb_per_s", sha_rate * mb.size() / 1e6, "baseline: raw SHA-256, 1 MiB");

  std::string small = AgreementDocument(7);
  double sha_small = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(crypto::Sha256Digest(small));
  });
  report->Add("sha256_agreement_per_s", sha_small,
              "baseline: raw SHA-256 of the " + std::to_string(small.size()) + "-byte agreement");

#ifdef NOOTERRA_BENCH_SHA_NI
  if (HasShaNi()) {
    const double rnds2_per_s = MeasureRate(config, [](uint64_t n) { Sha256Rnds2Chain(n); });
    const size_t blocks = (small.size() + 9 + 63) / 64;  // with the 0x80 byte and the length
    report->Add("sha256_floor_agreement_ns", 1e9 / rnds2_per_s * 32.0 * static_cast<double>(blocks),
                "baseline: SHA-NI floor for the agreement, " + std::to_string(blocks) +
                    " blocks x 32 dependent sha256rnds2");
  }
#endif

  // The same 60-byte document the binding scripts hash (bench/bindings_overhead.{py,js}), through
  // the C ABI: the bindings' figures minus this one is their per-call overhead.
  {
    const std::string doc = R"({"agreementHash":"x","amountCents":1500,"currency":"USD"})";
    char hex[65];
    const double rate = MeasureRate(config, [&](uint64_t n) {
      for (uint64_t i = 0; i < n; ++i) {
        nooterra_json_canonical_hash(reinterpret_cast<const uint8_t*>(doc.data()), doc.size(), nullptr, hex, nullptr);
        DoNotOptimize(hex[0]);
      }
    });
    report->Add("capi_canonical_hash_small_ns", 1e9 / rate,
                "C ABI canonical hash of the 60-byte document bench/bindings_overhead.{py,js} use");
  }

  json::Canonicalizer canonicalizer;
  double objects = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(*canonicalizer.Digest(small));
  });
  report->Add("canonical_hash_objects_per_s", objects,
              "parse + canonicalize + SHA-256, " + std::to_string(small.size()) + " bytes");

  // The same document already in canonical order (as stored protocol objects are): shows
  // what the sort costs.
  std::string sorted = *json::Canonicalize(small);
  double sorted_rate = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(*canonicalizer.Digest(sorted));
  });
  report->Add("canonical_hash_sorted_objects_per_s", sorted_rate,
              "the same agreement, already canonical (" + std::to_string(sorted.size()) +
                  " bytes)");

  std::string large = LargeDocument();
  double large_rate = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(*canonicalizer.Digest(large));
  });
  report->Add("canonical_hash_1mb_mb_per_s", large_rate * large.size() / 1e6,
              "parse + canonicalize + SHA-256 of a " + std::to_string(large.size()) +
                  "-byte document");

  auto key = crypto::PrivateKey::FromSeed(crypto::Sha256Digest(std::string_view("bench seed")));
  crypto::Digest digest = crypto::Sha256Digest(small);
  double sign = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(key->Sign(digest));
  });
  report->Add("ed25519_sign_per_s", sign, "baseline: Ed25519 sign of a 32-byte digest");
  crypto::Signature sig = key->Sign(digest);
  crypto::PublicKey pub = key->public_key();
  double verify = MeasureRate(config, [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) DoNotOptimize(pub.Verify(digest, sig));
  });
  report->Add("ed25519_verify_per_s", verify, "baseline: Ed25519 verify");
}

}  // namespace nooterra::bench
