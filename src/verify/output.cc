// VerifyCliOutput.v1 (JSON.stringify(obj, null, 2) + "\n") and the human summary.
#include <filesystem>
#include <string>

#include "common/strings.h"
#include "nooterra/verify.h"
#include "verify/internal.h"

namespace nooterra::verify {

namespace {

using internal::Quote;

// Re-indents compact JSON the way JSON.stringify(v, null, 2) lays it out: one member or element
// per line, two spaces per level, ": " after keys, empty containers as [] and {}.
std::string Pretty(std::string_view compact) {
  std::string out;
  out.reserve(compact.size() * 2);
  int depth = 0;
  const auto newline = [&](int d) {
    out.push_back('\n');
    out.append(static_cast<size_t>(d) * 2, ' ');
  };
  for (size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    if (c == '"') {
      const size_t start = i++;
      while (i < compact.size() && compact[i] != '"') i += compact[i] == '\\' ? 2 : 1;
      out.append(compact.substr(start, i - start + 1));
      continue;
    }
    switch (c) {
      case '{':
      case '[': {
        const char close = c == '{' ? '}' : ']';
        if (i + 1 < compact.size() && compact[i + 1] == close) {
          out.push_back(c);
          out.push_back(close);
          ++i;
          break;
        }
        out.push_back(c);
        newline(++depth);
        break;
      }
      case '}':
      case ']':
        newline(--depth);
        out.push_back(c);
        break;
      case ',':
        out.push_back(',');
        newline(depth);
        break;
      case ':':
        out.append(": ");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string OptString(const std::optional<std::string>& s) { return s ? Quote(*s) : std::string("null"); }
std::string OptText(const std::string& s) { return s.empty() ? std::string("null") : Quote(s); }

std::string FindingsJson(const std::vector<Finding>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    const Finding& f = list[i];
    if (i) out += ",";
    out += "{\"code\":" + Quote(f.code) + ",\"path\":" + OptString(f.path) + ",\"message\":" +
           OptString(f.message) + ",\"detail\":" + (f.detail_json.empty() ? std::string("null") : f.detail_json) + "}";
  }
  return out + "]";
}

std::string Slashes(std::string s) {
  for (char& c : s) {
    if (c == '\\') c = '/';
  }
  return s;
}

}  // namespace

std::string ResolveBundlePath(std::string_view input) {
  std::error_code ec;
  std::string out = std::filesystem::absolute(std::filesystem::path(input), ec).lexically_normal().string();
  if (ec) out = std::string(input);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string RenderCliJson(const Result& result, BundleKind kind, const Options& options,
                          const OutputContext& context) {
  std::string resolved = Slashes(context.resolved);
  std::string compact =
      "{\"schemaVersion\":\"VerifyCliOutput.v1\",\"tool\":{\"name\":\"nooterra-verify\",\"version\":" +
      OptText(context.tool_version) + ",\"commit\":" + OptText(context.tool_commit) + "},\"mode\":{\"strict\":" +
      (options.strict ? "true" : "false") + ",\"failOnWarnings\":" + (options.fail_on_warnings ? "true" : "false") +
      "},\"target\":{\"kind\":" + Quote(KindName(kind)) + ",\"input\":" + Quote(context.input) +
      ",\"resolved\":" + Quote(resolved) + ",\"dir\":" + Quote(resolved) + "},\"ok\":" +
      (result.ok ? "true" : "false") + ",\"verificationOk\":" + (result.verification_ok ? "true" : "false") +
      ",\"errors\":" + FindingsJson(result.errors) + ",\"warnings\":" + FindingsJson(result.warnings) +
      ",\"summary\":{\"tenantId\":" + OptString(result.tenant_id) + ",\"period\":" + OptString(result.period) +
      ",\"type\":" + OptString(result.type) + ",\"manifestHash\":" + OptString(result.manifest_hash) + "}}";
  return Pretty(compact) + "\n";
}

std::string RenderText(const Result& result, BundleKind kind, const OutputContext& context) {
  std::string out = StrCat(KindName(kind), " ", context.resolved, "\n");
  if (result.ok) {
    StrAppend(&out, "  verdict: OK\n");
  } else if (result.verification_ok) {
    StrAppend(&out, "  verdict: FAILED (the bundle verified, but warnings were treated as errors)\n");
  } else {
    StrAppend(&out, "  verdict: FAILED (the bundle did not verify)\n");
  }
  if (result.verification_ok) {
    if (result.type) StrAppend(&out, "  type: ", *result.type, "\n");
    if (result.tenant_id) StrAppend(&out, "  tenant: ", *result.tenant_id, "\n");
    if (result.period) StrAppend(&out, "  period: ", *result.period, "\n");
    if (result.manifest_hash) StrAppend(&out, "  manifestHash: ", *result.manifest_hash, "\n");
  }
  for (const Finding& e : result.errors) {
    StrAppend(&out, "  error: ", e.code);
    if (e.path) StrAppend(&out, " (", *e.path, ")");
    if (e.message) StrAppend(&out, " - ", *e.message);
    out += "\n";
  }
  for (const Finding& w : result.warnings) {
    StrAppend(&out, "  warning: ", w.code);
    if (w.path) StrAppend(&out, " (", *w.path, ")");
    out += "\n";
  }
  if (result.errors.empty() && result.warnings.empty()) out += "  no errors, no warnings\n";
  return out;
}

}  // namespace nooterra::verify
