// C ABI of the verify module.
#include <string>

#include "internal.h"
#include "nooterra/release.h"
#include "nooterra/signer_lifecycle.h"
#include "nooterra/verify.h"
#include "nooterra/version.h"

using namespace nooterra;  // NOLINT: translation unit of C entry points only

extern "C" {

int32_t nooterra_verify_bundle(const char* dir, int32_t kind, const nooterra_verify_options_t* options,
                               nooterra_buffer_t* out, int32_t* out_ok, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (dir == nullptr) return capi::NullArgument("dir");
    if (out == nullptr) return capi::NullArgument("out");
    verify::Options o;
    if (options != nullptr) {
      // Accept the first published layout (the only one so far); later versions grow at the end.
      if (options->struct_size != sizeof(nooterra_verify_options_t)) {
        return MakeError(absl::StatusCode::kInvalidArgument, "STRUCT_SIZE",
                         "nooterra_verify_options_t.struct_size is not a known size; initialize with "
                         "NOOTERRA_VERIFY_OPTIONS_INIT");
      }
      o.strict = options->strict != 0;
      o.fail_on_warnings = options->fail_on_warnings != 0;
      o.hash_concurrency = options->hash_concurrency;
      const auto text = [](const char* s) { return s ? std::string(s) : std::string(); };
      o.trust.governance_roots_json = text(options->trusted_governance_root_keys_json);
      o.trust.pricing_signers_json = text(options->trusted_pricing_signer_keys_json);
      o.trust.pricing_signer_ids_json = text(options->trusted_pricing_signer_key_ids_json);
      o.trust.time_authorities_json = text(options->trusted_time_authority_keys_json);
    }
    if (kind < NOOTERRA_BUNDLE_JOB_PROOF || kind > NOOTERRA_BUNDLE_CLOSE_PACK) {
      return MakeError(absl::StatusCode::kInvalidArgument, "VERIFY_OPTIONS_INVALID", "unknown bundle kind");
    }
    const auto bundle_kind = static_cast<verify::BundleKind>(kind);
    verify::OutputContext context;
    context.tool_version = NOOTERRA_VERSION_STRING;
    context.input = dir;
    context.resolved = verify::ResolveBundlePath(dir);
    auto result = verify::VerifyBundle(context.resolved, bundle_kind, o);
    if (!result.ok()) return result.status();
    const std::string json = verify::RenderCliJson(*result, bundle_kind, o, context);
    if (absl::Status s = capi::FillBuffer(json, out); !s.ok()) return s;
    if (out_ok != nullptr) *out_ok = result->ok ? 1 : 0;
    return absl::OkStatus();
  });
}

int32_t nooterra_release_verify(const char* dir, const char* trust_file, const char* installed_about_json,
                                nooterra_buffer_t* out_report, int32_t* out_ok, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (dir == nullptr || out_report == nullptr) return capi::NullArgument("dir and out_report");
    release::VerifyOptions options;
    options.dir = dir;
    if (trust_file != nullptr) options.trust_file = std::string(trust_file);
    release::Report report = release::VerifyReleaseDir(options);
    if (installed_about_json != nullptr) release::ApplyInstalledCheck(installed_about_json, &report);
    if (absl::Status s = capi::FillBuffer(release::ReportToJson(report), out_report); !s.ok()) return s;
    if (out_ok != nullptr) *out_ok = report.ok ? 1 : 0;
    return absl::OkStatus();
  });
}

int32_t nooterra_signer_lifecycle_evaluate(const uint8_t* query_json, size_t query_size, nooterra_buffer_t* out_decision,
                                           int32_t* out_ok, nooterra_error_t** error) {
  return capi::Guard(error, [&]() -> absl::Status {
    if (out_decision == nullptr || (query_json == nullptr && query_size != 0)) {
      return capi::NullArgument("query_json and out_decision");
    }
    auto doc = json::Document::Parse(std::string_view(reinterpret_cast<const char*>(query_json), query_size));
    if (!doc.ok()) return doc.status();
    auto query = verify::SignerLifecycleQueryFromJson(doc->root());
    if (!query.ok()) return query.status();
    const verify::SignerLifecycleDecision decision = verify::EvaluateSignerLifecycle(*query);
    if (absl::Status s = capi::FillBuffer(verify::SignerLifecycleDecisionJson(decision), out_decision); !s.ok()) return s;
    if (out_ok != nullptr) *out_ok = decision.ok ? 1 : 0;
    return absl::OkStatus();
  });
}

}  // extern "C"
