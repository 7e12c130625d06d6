// The public entry point (nooterra/verify.h): runs one bundle verifier and turns its failure
// chain and warnings into VerifyCliOutput.v1 findings (03-cli-and-runner.md §4).
#include "nooterra/verify.h"

#include <algorithm>

#include "common/strings.h"
#include "nooterra/status.h"
#include "verify/attest.h"

namespace nooterra::verify {

std::string_view KindName(BundleKind kind) {
  switch (kind) {
    case BundleKind::kJobProof: return "job-proof";
    case BundleKind::kMonthProof: return "month-proof";
    case BundleKind::kFinancePack: return "finance-pack";
    case BundleKind::kInvoiceBundle: return "invoice-bundle";
    case BundleKind::kClosePack: return "close-pack";
  }
  return "unknown";
}

std::optional<BundleKind> KindFromName(std::string_view name) {
  for (BundleKind k : {BundleKind::kJobProof, BundleKind::kMonthProof, BundleKind::kFinancePack,
                       BundleKind::kInvoiceBundle, BundleKind::kClosePack}) {
    if (KindName(k) == name) return k;
  }
  return std::nullopt;
}

namespace {

using internal::CanonicalOf;
using internal::Fail;
using internal::Failure;
using internal::Quote;

// A failure record as a JSON object (member order: error, fields..., path, detail).
std::string RecordJson(const Failure& f) {
  if (!f.raw_json.empty()) return f.raw_json;
  std::string out = "{\"error\":" + Quote(f.error);
  for (const auto& [name, value] : f.fields) out += "," + Quote(name) + ":" + value;
  if (!f.path.empty() && std::none_of(f.fields.begin(), f.fields.end(), [](const auto& p) {
        return p.first == "name" || p.first == "path";
      })) {
    out += ",\"path\":" + Quote(f.path);
  }
  if (!f.message.empty()) out += ",\"message\":" + Quote(f.message);
  if (f.cause) out += ",\"detail\":" + RecordJson(*f.cause);
  out += "}";
  return out;
}

Finding ErrorFinding(const Failure& f) {
  Finding e;
  // Code promotion: the innermost `error` of the detail chain.
  const Failure* cur = f.cause ? f.cause.get() : &f;
  std::string code = cur->error;
  for (int steps = 0; cur && steps < 20; ++steps, cur = cur->cause.get()) {
    if (!cur->error.empty()) code = cur->error;
  }
  if (code.empty()) code = f.error;  // no `error` anywhere in the detail chain
  e.code = code.empty() ? "FAILED" : code;
  if (!f.message.empty()) {
    e.message = f.message;
  } else if (e.code != f.error) {
    e.message = f.error;
  }
  if (!f.path.empty()) e.path = f.path;
  e.detail_json = f.cause ? RecordJson(*f.cause) : RecordJson(f);
  return e;
}

void SortFindings(std::vector<Finding>* v) {
  std::stable_sort(v->begin(), v->end(), [](const Finding& a, const Finding& b) {
    int c = internal::CompareUtf16(a.path.value_or(""), b.path.value_or(""));
    if (c != 0) return c < 0;
    return internal::CompareUtf16(a.code, b.code) < 0;
  });
}

}  // namespace

absl::StatusOr<Result> VerifyBundle(std::string_view dir, BundleKind kind, const Options& options) {
  if (options.hash_concurrency < 1 || options.hash_concurrency > 256) {
    return MakeError(absl::StatusCode::kInvalidArgument, "VERIFY_OPTIONS_INVALID",
                     "hash_concurrency must be between 1 and 256");
  }
  if (static_cast<int32_t>(kind) < 1 || static_cast<int32_t>(kind) > 5) {
    return MakeError(absl::StatusCode::kInvalidArgument, "VERIFY_OPTIONS_INVALID", "unknown bundle kind");
  }
  Result result;
  internal::BundleDir bundle;
  std::string open_error;
  std::vector<internal::Warning> warnings;
  internal::KindResult kr;
  Fail failure;
  if (!bundle.Open(std::string(dir), &open_error)) {
    failure = internal::FMessage("BUNDLE_DIR_UNREADABLE", "", StrCat(dir, ": ", open_error));
  } else {
    internal::Scope scope{&bundle, &options, ""};
    switch (kind) {
      case BundleKind::kJobProof: failure = internal::VerifyProofBundle(scope, false, &warnings, &kr); break;
      case BundleKind::kMonthProof: failure = internal::VerifyProofBundle(scope, true, &warnings, &kr); break;
      case BundleKind::kFinancePack: failure = internal::VerifyFinancePack(scope, &warnings, &kr); break;
      case BundleKind::kInvoiceBundle: failure = internal::VerifyInvoiceBundle(scope, &warnings, &kr); break;
      case BundleKind::kClosePack: failure = internal::VerifyClosePack(scope, &warnings, &kr); break;
    }
  }
  result.verification_ok = failure == nullptr;
  if (failure) result.errors.push_back(ErrorFinding(*failure));
  for (internal::Warning& w : warnings) {
    Finding f;
    f.code = w.code.empty() ? "UNKNOWN" : std::move(w.code);
    if (!w.path.empty()) f.path = std::move(w.path);
    f.detail_json = std::move(w.detail_json);
    result.warnings.push_back(std::move(f));
  }
  if (options.fail_on_warnings && result.verification_ok && !result.warnings.empty()) {
    Finding f;
    f.code = "FAIL_ON_WARNINGS";
    f.message = "warnings treated as errors";
    f.detail_json = StrCat("{\"warningsCount\":", result.warnings.size(), "}");
    result.errors.push_back(std::move(f));
  }
  SortFindings(&result.errors);
  SortFindings(&result.warnings);
  result.ok = result.verification_ok && result.errors.empty();
  if (result.verification_ok) {
    result.tenant_id = kr.tenant_id;
    result.period = kr.period;
    result.type = kr.type;
    result.manifest_hash = kr.manifest_hash;
  }
  return result;
}

}  // namespace nooterra::verify
