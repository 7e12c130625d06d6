// VerifyReleaseOutput.v1 rendering, exit codes and the installed-tool check
// (include/nooterra/release.h).
#include <string>

#include "common/strings.h"
#include "nooterra/json.h"
#include "nooterra/release.h"

namespace nooterra::release {
namespace {

// Longest `--about --format json` document accepted from the installed tool.
constexpr uint64_t kAboutBytesMax = uint64_t{1} << 20;

void AppendBool(bool b, std::string* out) { out->append(b ? "true" : "false"); }

void AppendStringOrNull(const std::optional<std::string>& s, std::string* out) {
  if (s) {
    json::AppendQuoted(*s, out);
  } else {
    out->append("null");
  }
}

// Members are written in canonical order (code, detail, message, path), so the output is the
// canonical JSON the reference prints without a canonicalization pass.
void AppendIssues(const std::vector<Issue>& issues, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < issues.size(); ++i) {
    const Issue& e = issues[i];
    if (i > 0) out->push_back(',');
    out->append("{\"code\":");
    json::AppendQuoted(e.code, out);
    if (e.detail_json) {
      out->append(",\"detail\":");
      out->append(*e.detail_json);
    }
    out->append(",\"message\":");
    json::AppendQuoted(e.message, out);
    out->append(",\"path\":");
    AppendStringOrNull(e.path, out);
    out->push_back('}');
  }
  out->push_back(']');
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// JavaScript's String(v ?? "") for the installed tool's version/commit.
std::string JsString(json::Value v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_number()) {
    std::string out;
    if (json::AppendNumber(v.as_number(), &out).ok()) return out;
    return "?";
  }
  if (v.is_object()) return "[object Object]";
  if (v.is_array()) return "[array]";
  return "";
}

// Canonical JSON of a member of the installed tool's output, `null` when absent.
void AppendValueOrNull(json::Value v, std::string* out) {
  if (!v.present() || !json::AppendCanonical(v, out).ok()) out->append("null");
}

}  // namespace

std::string ReportToJson(const Report& report) {
  std::string out = "{\"artifactsOk\":";
  AppendBool(report.artifacts_ok, &out);
  out.append(",\"errors\":");
  AppendIssues(report.errors, &out);
  out.append(",\"ok\":");
  AppendBool(report.ok, &out);
  out.append(",\"release\":{\"commit\":");
  AppendStringOrNull(report.commit, &out);
  out.append(",\"tag\":");
  json::AppendQuoted(report.tag, &out);
  out.append(",\"version\":");
  json::AppendQuoted(report.version, &out);
  out.append("},\"schemaVersion\":\"VerifyReleaseOutput.v1\",\"signatureOk\":");
  AppendBool(report.signature_ok, &out);
  out.append(",\"warnings\":");
  AppendIssues(report.warnings, &out);
  out.append("}\n");
  return out;
}

std::string ReportToText(const Report& report) {
  std::string out = "nooterra-release verify\n";
  StrAppend(&out, "ok=", report.ok ? "true" : "false", "\n");
  StrAppend(&out, "signature.ok=", report.signature_ok ? "true" : "false", "\n");
  StrAppend(&out, "artifacts.ok=", report.artifacts_ok ? "true" : "false", "\n");
  StrAppend(&out, "release.tag=", report.tag, "\n");
  StrAppend(&out, "release.version=", report.version, "\n");
  StrAppend(&out, "release.commit=", report.commit.value_or(""), "\n");
  for (const Issue& e : report.errors) {
    StrAppend(&out, "error=", e.code, " path=", e.path.value_or(""), " msg=", e.message, "\n");
  }
  return out;
}

int ExitCode(const Report& report) {
  if (report.ok) return 0;
  auto any = [&](auto pred) {
    for (const Issue& e : report.errors) {
      if (pred(std::string_view(e.code))) return true;
    }
    return false;
  };
  if (any([](std::string_view c) { return c == kTrustMissing || c == kTrustInvalid; })) return 3;
  if (any([](std::string_view c) {
        return StartsWith(c, "RELEASE_SIGNATURE") || StartsWith(c, "RELEASE_SIGNER");
      })) {
    return 4;
  }
  if (any([](std::string_view c) {
        return StartsWith(c, "RELEASE_ASSET") || StartsWith(c, "RELEASE_ARTIFACTS");
      })) {
    return 5;
  }
  if (any([](std::string_view c) { return c == kInstalledMismatch; })) return 6;
  return 1;
}

void AddInstalledCheckFailure(std::string_view why, Report* report) {
  report->ok = false;
  report->errors.push_back(Issue{std::string(kInstalledCheckFailed),
                                 StrCat("cannot check the installed tool: ", why),
                                 std::nullopt,
                                 {}});
}

void ApplyInstalledCheck(std::string_view about_json, Report* report) {
  json::Limits limits;
  limits.document_bytes_max = kAboutBytesMax;
  absl::StatusOr<json::Document> doc = json::Document::Parse(about_json, limits);
  if (!doc.ok()) {
    AddInstalledCheckFailure(StrCat("--about output is not JSON: ", doc.status().message()),
                             report);
    return;
  }
  json::Value tool = doc->root().Find("tool");
  json::Value name = tool.Find("name"), version = tool.Find("version"),
              commit = tool.Find("commit");
  // As the reference: an empty or "unknown" release version, or a release without a commit,
  // does not constrain the installed tool.
  bool version_ok = report->version.empty() || report->version == "unknown" ||
                    JsString(version) == report->version;
  bool commit_ok = !report->commit || JsString(commit) == *report->commit;
  if (version_ok && commit_ok) return;
  std::string detail = "{\"actual\":{\"commit\":";
  AppendValueOrNull(commit, &detail);
  detail.append(",\"name\":");
  AppendValueOrNull(name, &detail);
  detail.append(",\"version\":");
  AppendValueOrNull(version, &detail);
  detail.append("},\"expected\":{\"commit\":");
  AppendStringOrNull(report->commit, &detail);
  detail.append(",\"version\":");
  json::AppendQuoted(report->version, &detail);
  detail.append("}}");
  report->ok = false;
  report->errors.push_back(Issue{std::string(kInstalledMismatch),
                                 "installed tool does not match release index metadata",
                                 std::nullopt, std::move(detail)});
}

}  // namespace nooterra::release
