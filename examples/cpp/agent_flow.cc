// One paid tool call, end to end, through the C++ API (include/nooterra/*.h, linked with
// nooterra::nooterra_static): the same flow as examples/c/demo.c and the Python and Node
// examples — keys, a temporary store, deposit, the policy's decision, agreement, escrow,
// signed evidence, settlement with a signed receipt, offline verification of the receipt, a
// dispute, the arbiter's verdict with exactly one adjustment, and the ledger audit.
//
// The C++ API is not ABI-stable (link it statically); a host in another language uses the C ABI.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "nooterra/agreement.h"
#include "nooterra/crypto.h"
#include "nooterra/json.h"
#include "nooterra/ledger.h"
#include "nooterra/objects.h"
#include "nooterra/policy.h"
#include "nooterra/store.h"

namespace {

using namespace nooterra;  // NOLINT: a short example program

constexpr char kTenant[] = "tenant_demo";

// Every call returns absl::Status(Or); the example stops at the first failure with its reason.
template <typename T>
T Must(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "example failed at %s: %s\n", what, value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}
void Must(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "example failed at %s: %s\n", what, status.ToString().c_str());
    std::exit(1);
  }
}

// A string member of a JSON object found by a path of keys.
std::string Member(const std::string& json_text, std::initializer_list<std::string_view> path) {
  json::Tree tree = Must(json::Tree::Parse(json_text), "parse result");
  const json::Tree* at = &tree;
  for (std::string_view key : path) {
    at = at->Find(key);
    if (at == nullptr) {
      std::fprintf(stderr, "example failed: member %.*s missing\n", static_cast<int>(key.size()), key.data());
      std::exit(1);
    }
  }
  return at->is_string() ? at->as_string() : Must(json::CanonicalString(*at), "member");
}

crypto::PrivateKey KeyFromFill(uint8_t fill) {
  std::string seed(32, static_cast<char>(fill));
  return Must(crypto::PrivateKey::FromSeed(crypto::Bytes(reinterpret_cast<const uint8_t*>(seed.data()), 32)), "key");
}

}  // namespace

int main() {
  const crypto::PrivateKey provider = KeyFromFill(1), buyer = KeyFromFill(2), arbiter = KeyFromFill(3);
  std::printf("1. keys: buyer %s, provider %s, arbiter %s\n", buyer.public_key().KeyId().c_str(),
              provider.public_key().KeyId().c_str(), arbiter.public_key().KeyId().c_str());

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nooterra-cpp-example-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::unique_ptr<store::Store> db = Must(store::Store::Open((dir / "store").string(), {}), "open store");
    agreement::Kernel kernel(db.get());
    Must(kernel.RegisterAgent(kTenant, "agt_buyer", buyer.public_key().ToPem()), "register buyer");
    Must(kernel.RegisterAgent(kTenant, "agt_tool_provider", provider.public_key().ToPem()), "register provider");
    Must(kernel.RegisterAgent(kTenant, "agt_arbiter", arbiter.public_key().ToPem()), "register arbiter");
    Must(kernel.Deposit(kTenant, "agt_buyer", "USD", 25000, "deposit_1"), "deposit");
    std::printf("2. a temporary store; the buyer deposits 25000: %s\n",
                Must(kernel.GetWallet(kTenant, "agt_buyer", "USD"), "wallet").c_str());

    const policy::SettlementEvaluation decision = Must(
        policy::EvaluateSettlementPolicy(json::Value(), json::Value(), "green", "completed", 1500), "policy");
    std::printf("3. policy decision: %s, release %lld, policy %s\n", decision.decision_mode.c_str(),
                static_cast<long long>(decision.release_amount_cents), decision.policy_hash.c_str());

    const std::string created = Must(kernel.CreateAgreement(kTenant, R"({"agreement":{
        "toolId":"tool_weather_lookup","callId":"call_demo_0001",
        "manifestHash":"86594975c5cda0d27ec26d3816578d97d6d5e3ed5b8d40eb95aa2e59210b1a4d",
        "input":{"city":"Z\u00fcrich","units":"metric"},"settlementTerms":{"amountCents":1500,"currency":"USD"},
        "payerAgentId":"agt_buyer","payeeAgentId":"agt_tool_provider","createdAt":"2026-11-22T09:00:00+01:00"},
        "holdbackBps":1000,"challengeWindowMs":86400000})",
                                                           "2026-11-22T08:00:00.000Z", "create_1"),
                                      "create agreement").json;
    const std::string h = Member(created, {"agreement", "agreementHash"});
    std::printf("4. agreement %s\n", h.c_str());
    Must(kernel.Fund(kTenant, h, "2026-11-22T08:00:00.500Z", "fund_1"), "fund");
    std::printf("5. 1500 in escrow: %s\n", Must(kernel.GetWallet(kTenant, "agt_buyer", "USD"), "wallet").c_str());

    objects::BuildOptions signed_by_provider;
    signed_by_provider.signer = &provider;
    const objects::Object evidence = Must(
        objects::Build(objects::ObjectType::kToolCallEvidence,
                       R"({"agreementHash":")" + h + R"(","callId":"call_demo_0001","inputHash":")" +
                           Member(created, {"agreement", "inputHash"}) +
                           R"(","output":{"tempC":3.5,"sky":"overcast"},"outputRef":"evidence://call_demo_0001/output.json",
                           "metrics":{"latencyMs":412},"startedAt":"2026-11-22T08:00:01.100Z",
                           "completedAt":"2026-11-22T08:00:01.512Z"})",
                       signed_by_provider),
        "build evidence");
    Must(kernel.SubmitEvidence(kTenant, evidence.canonical, "2026-11-22T08:00:01.600Z", "evidence_1"), "evidence");
    std::printf("6. evidence signed by the tool %s\n", evidence.hash.c_str());

    const std::string settled =
        Must(kernel.Settle(kTenant,
                           R"({"agreementHash":")" + h +
                               R"(","decisionId":"dec_demo_0001","receiptId":"rcpt_demo_0001","verificationStatus":"green"})",
                           "2026-11-22T08:00:02.000Z", "settle_1"),
             "settle")
            .json;
    std::printf("7. settled under the pinned policy: provider %s\n",
                Must(kernel.GetWallet(kTenant, "agt_tool_provider", "USD"), "wallet").c_str());

    const std::string receipt = *Must(
        kernel.GetDocument(kTenant, agreement::Kernel::Document::kReceipt, "rcpt_demo_0001"), "receipt");
    const crypto::PublicKey keys[] = {provider.public_key()};
    const objects::VerifyReport report = Must(objects::VerifyObject(receipt, keys), "verify receipt");
    if (!report.ok) {
      std::fprintf(stderr, "receipt did not verify: %s\n", objects::RenderVerifyReportJson(report).c_str());
      return 1;
    }
    std::printf("8. the receipt verifies offline %s\n", report.hash.c_str());

    const std::string hold_hash = Member(settled, {"hold", "holdHash"});
    const std::string receipt_hash = Member(settled, {"hold", "receiptHash"});
    objects::BuildOptions signed_by_buyer;
    signed_by_buyer.signer = &buyer;
    const objects::Object envelope = Must(
        objects::Build(objects::ObjectType::kDisputeOpenEnvelope,
                       R"({"envelopeId":"dopen_tc_)" + h + R"(","caseId":"arb_case_tc_)" + h +
                           R"(","tenantId":"tenant_demo","agreementHash":")" + h + R"(","receiptHash":")" +
                           receipt_hash + R"(","holdHash":")" + hold_hash +
                           R"(","openedByAgentId":"agt_buyer","openedAt":"2026-11-22T10:00:00.000Z",
                           "reasonCode":"TOOL_CALL_DISPUTE","nonce":"nonce_demo_000001","signerKeyId":")" +
                           buyer.public_key().KeyId() + R"("})",
                       signed_by_buyer),
        "build envelope");
    const std::string opened =
        Must(kernel.OpenDispute(kTenant,
                                R"({"agreementHash":")" + h + R"(","receiptHash":")" + receipt_hash +
                                    R"(","holdHash":")" + hold_hash +
                                    R"(","openedByAgentId":"agt_buyer","disputeOpenEnvelope":)" + envelope.canonical +
                                    R"(,"arbiterAgentId":"agt_arbiter","summary":"The forecast was for the wrong city",
                                    "evidenceRefs":["evidence://call_demo_0001/output.json"]})",
                                "2026-11-22T10:00:00.000Z", "open_1"),
             "open dispute")
            .json;
    const std::string case_id = Member(opened, {"arbitrationCase", "caseId"});
    std::printf("9. the buyer disputes: %s is %s\n", case_id.c_str(),
                Member(opened, {"arbitrationCase", "status"}).c_str());

    std::string verdict = R"({"schemaVersion":"ArbitrationVerdict.v1","verdictId":"avd_demo_0001","caseId":")" +
                          case_id + R"(","tenantId":"tenant_demo","runId":"tc_)" + h + R"(","settlementId":"setl_tc_)" +
                          h + R"(","disputeId":"disp_tc_)" + h +
                          R"(","arbiterAgentId":"agt_arbiter","outcome":"accepted","releaseRatePct":100,
                          "rationale":"Zurich was asked and answered.","evidenceRefs":["evidence://call_demo_0001/output.json"],
                          "issuedAt":"2026-11-24T09:00:00.000Z","appealRef":null})";
    const std::string verdict_hash =
        Must(objects::ComputeHash(objects::ObjectType::kArbitrationVerdict, Must(json::Tree::Parse(verdict), "verdict")),
             "verdict hash");
    const std::string signature = Must(arbiter.SignHashHex(verdict_hash), "sign verdict");
    verdict.pop_back();
    verdict += R"(,"signerKeyId":")" + arbiter.public_key().KeyId() + R"(","signature":")" + signature + R"("})";
    const std::string closed =
        Must(kernel.SubmitVerdict(kTenant, case_id, verdict, "2026-11-24T09:00:00.000Z", "verdict_1"), "verdict").json;
    std::printf("10. the arbiter's verdict: exactly one adjustment %s\n",
                Member(closed, {"settlementAdjustment", "adjustmentId"}).c_str());

    Must(db->Read([](const store::ReadTxn& txn) -> absl::Status {
      auto violations = ledger::Check(txn, kTenant);
      if (!violations.ok()) return violations.status();
      if (!violations->empty()) return absl::InternalError("ledger audit: " + violations->front());
      return absl::OkStatus();
    }), "ledger audit");
    std::printf("11. final balances; the ledger audit is sound: buyer %s, provider %s\n",
                Must(kernel.GetWallet(kTenant, "agt_buyer", "USD"), "wallet").c_str(),
                Must(kernel.GetWallet(kTenant, "agt_tool_provider", "USD"), "wallet").c_str());
  }
  std::filesystem::remove_all(dir);
  std::printf("example complete\n");
  return 0;
}
