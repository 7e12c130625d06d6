// libFuzzer target: the bundle verifier on mutated bundles. Invariants: VerifyBundle never
// crashes or fails with a Status on bundle content, its rendered output is always one valid
// VerifyCliOutput.v1 document, and a failed verification always carries at least one error.
//
// The template bundle is the reference jobproof/strict-pass (and the invoice bundle that embeds
// it), read at start-up from NOOTERRA_REFERENCE_DIR (never committed here). An input is
//   byte 0: which file to mutate (index into the template's sorted file list)
//   byte 1: operation (low 3 bits), bit 3 = re-hash the manifest afterwards so the mutation
//           reaches the checks behind the file hashes, bit 4 = strict, bit 5 = invoice bundle
//   rest:   the operation's data
// operations: 0 replace the file's bytes, 1 XOR-patch it (pairs offset, value), 2 append a
// manifest entry named <data>, 3 replace the file with a symlink to <data>, 4 delete it,
// 5 replace it with a directory.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/verify.h"

namespace fs = std::filesystem;

namespace {

struct Template {
  fs::path source;
  std::vector<std::string> names;          // relative paths, sorted
  std::map<std::string, std::string> bytes;
};

Template* g_job = nullptr;
Template* g_invoice = nullptr;
fs::path g_work;
nooterra::verify::Trust g_trust;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Template* Load(const fs::path& dir) {
  if (!fs::is_directory(dir)) {
    std::fprintf(stderr, "verify_fuzz: reference bundle %s is missing (set NOOTERRA_REFERENCE_DIR)\n",
                 dir.c_str());
    std::abort();
  }
  auto* t = new Template{dir, {}, {}};
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), dir).string();
    t->names.push_back(rel);
    t->bytes[rel] = ReadFile(e.path());
  }
  std::sort(t->names.begin(), t->names.end());
  return t;
}

std::string JsonField(const std::string& trust_json, const char* key) {
  auto doc = nooterra::json::Document::Parse(trust_json);
  if (!doc.ok()) return std::string();
  std::string out;
  (void)nooterra::json::AppendCanonical(doc->root().Find(key), &out);
  return out;
}

void WriteFile(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Points the manifest entry `name` at the new bytes and recomputes manifestHash (text surgery on
// the compact manifest the reference producer writes).
void Rehash(std::string* manifest, const std::string& name, const std::string& data) {
  const std::string key = "\"name\":\"" + name + "\"";
  size_t at = manifest->find(key);
  if (at != std::string::npos) {
    size_t sha = manifest->find("\"sha256\":\"", at);
    if (sha != std::string::npos && sha + 10 + 64 <= manifest->size()) {
      manifest->replace(sha + 10, 64, nooterra::crypto::Sha256Hex(data));
    }
  }
  auto doc = nooterra::json::Document::Parse(*manifest);
  if (!doc.ok()) return;
  std::string_view omit[] = {"manifestHash"};
  nooterra::json::CanonicalOptions options;
  options.omit_members = omit;
  auto digest = nooterra::json::CanonicalDigest(doc->root(), options);
  if (!digest.ok()) return;
  size_t mh = manifest->find("\"manifestHash\":\"");
  if (mh != std::string::npos && mh + 16 + 64 <= manifest->size()) {
    manifest->replace(mh + 16, 64, nooterra::crypto::HexEncode(nooterra::crypto::Bytes(digest->data(), digest->size())));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* env = std::getenv("NOOTERRA_REFERENCE_DIR");
  const fs::path ref = env && *env ? env : NOOTERRA_DEFAULT_REFERENCE_DIR;
  g_job = Load(ref / "conformance/v1/bundles/jobproof/strict-pass");
  g_invoice = Load(ref / "conformance/v1/bundles/invoicebundle/strict-pass");
  const std::string trust = ReadFile(ref / "conformance/v1/trust.json");
  g_trust.governance_roots_json = JsonField(trust, "governanceRoots");
  g_trust.pricing_signers_json = JsonField(trust, "pricingSigners");
  g_trust.time_authorities_json = JsonField(trust, "timeAuthorities");
  g_work = fs::temp_directory_path() / ("nooterra-verify-fuzz-" + std::to_string(::getpid()));
  for (const auto& [dir, t] : {std::pair<const char*, Template*>{"job", g_job}, {"invoice", g_invoice}}) {
    for (const auto& [name, bytes] : t->bytes) WriteFile(g_work / dir / name, bytes);
  }
  WriteFile(g_work / "outside.txt", "outside\n");
  // The directory is removed at exit; a crash leaves it for inspection.
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g_work, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t op = data[1];
  const Template& t = (op & 0x20) ? *g_invoice : *g_job;
  const std::string target = t.names[data[0] % t.names.size()];
  const std::string arg(reinterpret_cast<const char*>(data + 2), size - 2);

  // Two pristine copies live under g_work (job/ and invoice/); an input touches at most the
  // target file and the manifest, which are restored afterwards (far cheaper than rewriting).
  std::error_code ec;
  const fs::path bundle = g_work / ((op & 0x20) ? "invoice" : "job");
  std::string manifest = t.bytes.at("manifest.json");
  std::string content = t.bytes.at(target);
  switch (op & 7) {
    case 0: content = arg; break;
    case 1:
      for (size_t i = 0; i + 1 < arg.size(); i += 2) {
        if (!content.empty()) content[static_cast<unsigned char>(arg[i]) * 7 % content.size()] ^= arg[i + 1];
      }
      break;
    case 2: {
      const size_t end = manifest.find("]");  // the first array closes "files" in these manifests
      if (end != std::string::npos && !arg.empty() && arg.find('"') == std::string::npos &&
          arg.find('\\') == std::string::npos) {
        manifest.insert(end, ",{\"bytes\":1,\"name\":\"" + arg +
                                 "\",\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\"}");
      }
      break;
    }
    default: break;
  }
  if (target == "manifest.json") {
    manifest = content;
  } else if ((op & 8) && (op & 7) <= 1) {
    Rehash(&manifest, target, content);
  }
  WriteFile(bundle / "manifest.json", manifest);
  if (target != "manifest.json") WriteFile(bundle / target, content);
  switch (op & 7) {
    case 3:
      fs::remove(bundle / target, ec);
      fs::create_symlink(arg.empty() || arg.find('\0') != std::string::npos ? "../outside.txt" : arg, bundle / target, ec);
      break;
    case 4: fs::remove(bundle / target, ec); break;
    case 5:
      fs::remove(bundle / target, ec);
      fs::create_directories(bundle / target, ec);
      break;
    default: break;
  }
  const auto restore = [&] {
    fs::remove_all(bundle / target, ec);
    WriteFile(bundle / target, t.bytes.at(target));
    WriteFile(bundle / "manifest.json", t.bytes.at("manifest.json"));
  };

  nooterra::verify::Options options;
  options.strict = (op & 0x10) != 0;
  options.trust = g_trust;
  options.hash_concurrency = 1 + data[0] % 4;
  const auto kind = (op & 0x20) ? nooterra::verify::BundleKind::kInvoiceBundle : nooterra::verify::BundleKind::kJobProof;
  auto result = nooterra::verify::VerifyBundle(bundle.string(), kind, options);
  restore();
  if (!result.ok()) std::abort();  // bundle content must never become a Status
  if (!result->verification_ok && result->errors.empty()) std::abort();
  nooterra::verify::OutputContext context{"0", "", bundle.string(), bundle.string()};
  const std::string out = nooterra::verify::RenderCliJson(*result, kind, options, context);
  auto doc = nooterra::json::Document::Parse(out);
  if (!doc.ok()) std::abort();
  if (doc->root().Find("schemaVersion").as_string() != "VerifyCliOutput.v1") std::abort();
  if (!doc->root().Find("ok").is_bool() || !doc->root().Find("errors").is_array()) std::abort();
  return 0;
}
