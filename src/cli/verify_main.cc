// nooterra-verify: the protocol's bundle verifier CLI
// (../shared/protocol/verify/03-cli-and-runner.md §3-§7).
//
//   nooterra-verify [--strict] [--fail-on-warnings] [--format json|text] [--hash-concurrency N]
//                   --<kind> DIR
//
// Trust anchors come from the NOOTERRA_TRUSTED_*_JSON environment variables. Exit 0 when ok,
// 1 when verification failed (or warnings were treated as errors), 2 on usage errors. Unlike
// the reference, a bundle that cannot even be read (missing manifest, bad trust JSON) still
// yields a VerifyCliOutput.v1 document with a precise code, never a crash.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "nooterra/verify.h"
#include "nooterra/version.h"

namespace {

using nooterra::verify::BundleKind;

constexpr char kUsage[] =
    "usage: nooterra-verify [--strict] [--fail-on-warnings] [--format json|text]\n"
    "                       [--hash-concurrency N] --<kind> DIR\n"
    "       nooterra-verify --about [--format json] | --version | --help\n"
    "\n"
    "kinds: --job-proof --month-proof --finance-pack --invoice-bundle --close-pack\n"
    "\n"
    "Verifies a proof bundle directory offline. Trust anchors (JSON) come from\n"
    "  NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON    {keyId: publicKeyPem}\n"
    "  NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON     {keyId: publicKeyPem}\n"
    "  NOOTERRA_TRUSTED_PRICING_SIGNER_KEY_IDS_JSON  [keyId] (optional allowlist)\n"
    "  NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON     {keyId: publicKeyPem}\n"
    "--format json prints VerifyCliOutput.v1; text (the default on a terminal) a summary.\n"
    "Exit status: 0 ok, 1 verification failed or warnings with --fail-on-warnings, 2 usage.\n";

int Usage(const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "nooterra-verify: %s\n", problem.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Trim(std::string s) {
  const char* ws = " \t\r\n\v\f";
  s.erase(0, s.find_first_not_of(ws));
  const size_t end = s.find_last_not_of(ws);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

std::string ToolVersion() {
  std::string v = Trim(Env("NOOTERRA_VERSION"));
  if (!v.empty()) return v;
  std::ifstream file("NOOTERRA_VERSION");
  if (file) {
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    v = Trim(text);
    if (!v.empty()) return v;
  }
  return NOOTERRA_VERSION_STRING;
}

std::string ToolCommit() {
  static const std::regex kSha("^[0-9a-f]{7,64}$");
  for (const char* name : {"NOOTERRA_COMMIT_SHA", "PROXY_BUILD", "GIT_SHA", "GITHUB_SHA"}) {
    std::string v = Trim(Env(name));
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::regex_match(v, kSha)) return v;
  }
  return std::string();
}

// ECMAScript parseInt(s, 10) for the values we accept: optional whitespace and sign, digits,
// anything after ignored. nullopt when no digits.
std::optional<long long> ParseIntJs(const std::string& s) {
  size_t i = s.find_first_not_of(" \t\r\n\v\f");
  if (i == std::string::npos) return std::nullopt;
  bool negative = false;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  long long v = 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (v < 1000000000LL) v = v * 10 + (s[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return negative ? -v : v;
}

int About(const std::string& format) {
  if (format == "sarif") return Usage("--about does not support --format sarif");
  std::string out =
      "{\n  \"schemaVersion\": \"VerifyAboutOutput.v1\",\n  \"tool\": {\n    \"name\": \"nooterra-verify\",\n"
      "    \"version\": \"" + ToolVersion() + "\",\n    \"commit\": " +
      (ToolCommit().empty() ? std::string("null") : "\"" + ToolCommit() + "\"") +
      "\n  },\n  \"protocol\": {\n    \"canonicalJson\": \"RFC8785\"\n  },\n  \"supports\": [\n"
      "    \"JobProofBundle.v1\",\n    \"MonthProofBundle.v1\",\n    \"FinancePackBundle.v1\",\n"
      "    \"InvoiceBundle.v1\",\n    \"ClosePack.v1\"\n  ],\n  \"defaults\": {\n    \"strict\": false,\n"
      "    \"hashConcurrency\": 16\n  }\n}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '\0') args.emplace_back(argv[i]);
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stderr);
      return 0;
    }
  }
  if (args.empty()) return Usage("");

  nooterra::verify::Options options;
  std::string format = isatty(STDOUT_FILENO) ? "text" : "json";
  bool about = false, version = false;
  std::optional<BundleKind> kind;
  std::string target;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    if (a == "--strict") {
      options.strict = true;
    } else if (a == "--fail-on-warnings") {
      options.fail_on_warnings = true;
    } else if (a == "--explain") {
      // Accepted for compatibility; the text format is our explanation.
    } else if (a == "--format") {
      if (!value(&format)) return Usage("--format needs a value");
      if (format == "human") format = "text";
      if (format != "json" && format != "text") return Usage("--format must be json or text");
    } else if (a == "--hash-concurrency") {
      std::string v;
      if (!value(&v)) return Usage("--hash-concurrency needs a value");
      auto n = ParseIntJs(v);
      if (!n || *n < 1) return Usage("--hash-concurrency must be an integer >= 1");
      options.hash_concurrency = static_cast<uint32_t>(std::min<long long>(*n, 256));  // never changes results
    } else if (a == "--about") {
      about = true;
    } else if (a == "--version") {
      version = true;
    } else if (a.rfind("--", 0) == 0 && nooterra::verify::KindFromName(a.substr(2))) {
      if (kind) return Usage("only one bundle may be verified per run");
      kind = nooterra::verify::KindFromName(a.substr(2));
      if (!value(&target)) return Usage(a + " needs a bundle directory");
    } else if (a == "--report-json" || a == "--settlement-decision" || a == "--trusted-buyer-keys" ||
               a == "--reconcile") {
      return Usage(a + " is not supported by this verifier");
    } else {
      return Usage("unexpected argument: " + a);
    }
  }
  if (about) return About(format);
  if (version) {
    std::printf("%s\n", ToolVersion().c_str());
    return 0;
  }
  if (!kind) return Usage("missing --<kind> DIR");
  if (target.size() >= 4 && target.compare(target.size() - 4, 4, ".zip") == 0) {
    return Usage("zip bundles are not supported; extract the bundle and pass its directory");
  }

  options.trust.governance_roots_json = Env("NOOTERRA_TRUSTED_GOVERNANCE_ROOT_KEYS_JSON");
  options.trust.pricing_signers_json = Env("NOOTERRA_TRUSTED_PRICING_SIGNER_KEYS_JSON");
  options.trust.pricing_signer_ids_json = Env("NOOTERRA_TRUSTED_PRICING_SIGNER_KEY_IDS_JSON");
  options.trust.time_authorities_json = Env("NOOTERRA_TRUSTED_TIME_AUTHORITY_KEYS_JSON");

  nooterra::verify::OutputContext context;
  context.tool_version = ToolVersion();
  context.tool_commit = ToolCommit();
  context.input = target;
  context.resolved = nooterra::verify::ResolveBundlePath(target);

  auto result = nooterra::verify::VerifyBundle(context.resolved, *kind, options);
  if (!result.ok()) return Usage(std::string(result.status().message()));
  const std::string out = format == "json" ? nooterra::verify::RenderCliJson(*result, *kind, options, context)
                                           : nooterra::verify::RenderText(*result, *kind, context);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return result->ok ? 0 : 1;
}
