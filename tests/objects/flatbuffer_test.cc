// The storage form: JSON -> FlatBuffer -> JSON is lossless for every stored type, typed access
// works through the generated code, and corrupt buffers are refused, never trusted.
#include <gtest/gtest.h>

#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/object_fixture.h"
#include "objects/objects_generated.h"

namespace nooterra::objects {
namespace {

class Stored : public ::testing::TestWithParam<int32_t> {
 protected:
  ObjectType type() const { return static_cast<ObjectType>(GetParam()); }
};

TEST_P(Stored, RoundTripIsLossless) {
  if (!HasStorageForm(type())) {
    const Object o = testing::BuiltInstance(type());
    auto buffer = ToFlatBuffer(o);
    ASSERT_FALSE(buffer.ok());
    EXPECT_EQ(StatusReason(buffer.status()), "OBJECT_NO_STORAGE_FORM");
    EXPECT_EQ(StatusReason(FromFlatBuffer(type(), "xxxx").status()), "OBJECT_NO_STORAGE_FORM");
    return;
  }
  const Object o = testing::BuiltInstance(type());
  auto buffer = ToFlatBuffer(o);
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  auto back = FromFlatBuffer(type(), *buffer);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->canonical, o.canonical);
  EXPECT_EQ(back->hash, o.hash);
  // Deterministic bytes for the same object.
  EXPECT_EQ(*ToFlatBuffer(*back), *buffer);
  // Hashes are stored as raw bytes: the buffer is smaller than the JSON.
  EXPECT_LT(buffer->size(), o.canonical.size() + 256);
}

INSTANTIATE_TEST_SUITE_P(Types, Stored, ::testing::Range(1, kObjectTypeCount + 1),
                         [](const auto& param_info) {
                           std::string n(SchemaVersionOf(static_cast<ObjectType>(param_info.param)));
                           for (char& c : n) c = c == '.' ? '_' : c;
                           return n;
                         });

TEST(StoredVectors, ProtocolVectorsRoundTrip) {
  size_t stored = 0;
  for (const auto& e : testing::KernelVectorEntries()) {
    if (!HasStorageForm(e.type)) continue;
    std::string text = testing::StringMember(testing::ProtocolVectors().root().Find(e.name),
                                             "canonicalJson");
    auto object = Parse(text);
    ASSERT_TRUE(object.ok()) << e.name << ": " << object.status();
    auto buffer = ToFlatBuffer(*object);
    ASSERT_TRUE(buffer.ok()) << e.name << ": " << buffer.status();
    auto back = FromFlatBuffer(e.type, *buffer);
    ASSERT_TRUE(back.ok()) << e.name << ": " << back.status();
    EXPECT_EQ(back->canonical, text) << e.name;
    ++stored;
  }
  EXPECT_GE(stored, 7u);
}

TEST(StoredVectors, NullAndAbsentStayDistinct) {
  // payeeAgentId is nullable-forced (null), a FundingHold's resolvedAt is omitted until set.
  Object agreement = testing::BuiltInstance(ObjectType::kToolCallAgreement);
  agreement.body.Set("payeeAgentId", json::Tree::Null());
  agreement.canonical = *json::CanonicalString(agreement.body);
  auto back = FromFlatBuffer(ObjectType::kToolCallAgreement, *ToFlatBuffer(agreement));
  ASSERT_TRUE(back.ok());
  ASSERT_NE(back->body.Find("payeeAgentId"), nullptr);
  EXPECT_TRUE(back->body.Find("payeeAgentId")->is_null());
  const Object hold = testing::BuiltInstance(ObjectType::kFundingHold);
  auto hold_back = FromFlatBuffer(ObjectType::kFundingHold, *ToFlatBuffer(hold));
  ASSERT_TRUE(hold_back.ok());
  EXPECT_EQ(hold_back->body.Find("resolvedAt"), nullptr);
  EXPECT_EQ(hold_back->body.Find("revision")->as_number(), 0);  // a present 0 stays present
}

TEST(StoredTyped, GeneratedAccessorsReadTheBuffer) {
  const Object hold = testing::BuiltInstance(ObjectType::kFundingHold);
  auto buffer = ToFlatBuffer(hold);
  ASSERT_TRUE(buffer.ok());
  const auto* fb_hold = flatbuffers::GetRoot<fb::FundingHold>(buffer->data());
  ASSERT_TRUE(fb_hold->amount_cents().has_value());
  EXPECT_EQ(*fb_hold->amount_cents(), 10000);
  EXPECT_EQ(*fb_hold->held_amount_cents(), 2000);
  EXPECT_EQ(fb_hold->status()->str(), "held");
  ASSERT_EQ(fb_hold->hold_hash()->size(), 32u);
  EXPECT_EQ(crypto::HexEncode(crypto::Bytes(fb_hold->hold_hash()->data(), 32)), hold.hash);
}

TEST(StoredCorrupt, RefusedNeverTrusted) {
  const Object receipt = testing::BuiltInstance(ObjectType::kSettlementReceipt);
  auto buffer = ToFlatBuffer(receipt);
  ASSERT_TRUE(buffer.ok());
  // Truncations. (Dropping only trailing alignment padding is harmless and may verify.)
  for (size_t n : {size_t{0}, size_t{3}, size_t{16}, buffer->size() / 2}) {
    auto r = FromFlatBuffer(ObjectType::kSettlementReceipt, buffer->substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(StatusReason(r.status()), "OBJECT_BUFFER_CORRUPT");
  }
  // Every single-byte corruption either fails cleanly or yields some object (no crash, no
  // read outside the buffer: the sanitizer build runs this too).
  size_t refused = 0;
  for (size_t i = 0; i < buffer->size(); ++i) {
    std::string bad = *buffer;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    auto r = FromFlatBuffer(ObjectType::kSettlementReceipt, bad);
    if (!r.ok()) {
      ++refused;
      EXPECT_TRUE(r.status().code() == absl::StatusCode::kDataLoss ||
                  r.status().code() == absl::StatusCode::kInvalidArgument)
          << r.status();
    }
  }
  EXPECT_GT(refused, 0u);
  // A buffer of another type.
  auto hold = ToFlatBuffer(testing::BuiltInstance(ObjectType::kFundingHold));
  auto wrong = FromFlatBuffer(ObjectType::kSettlementReceipt, *hold);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(StatusReason(wrong.status()), "OBJECT_BUFFER_CORRUPT");
}

TEST(StoredCorrupt, MisalignedBytesAreCopiedNotMisread) {
  // Found by fuzz_objects: a buffer at an odd address (UBSan: misaligned uoffset_t load).
  const Object hold = testing::BuiltInstance(ObjectType::kFundingHold);
  auto buffer = ToFlatBuffer(hold);
  ASSERT_TRUE(buffer.ok());
  std::string shifted = "x" + *buffer;
  auto back = FromFlatBuffer(ObjectType::kFundingHold, std::string_view(shifted).substr(1));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->canonical, hold.canonical);
}

TEST(StoredCorrupt, ShortHashIsRefused) {
  flatbuffers::FlatBufferBuilder fbb;
  uint8_t short_hash[31] = {0};
  auto sv = fbb.CreateString("FundingHold.v1");
  auto h = fbb.CreateVector(short_hash, 31);
  fb::FundingHoldBuilder b(fbb);
  b.add_schema_version(sv);
  b.add_hold_hash(h);
  fbb.Finish(b.Finish());
  auto r = FromFlatBuffer(ObjectType::kFundingHold,
                          std::string_view(reinterpret_cast<const char*>(fbb.GetBufferPointer()),
                                           fbb.GetSize()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(StatusReason(r.status()), "OBJECT_BUFFER_CORRUPT");
}

TEST(StoredNotNormalized, MembersWithoutAFieldAreRefused) {
  Object hold = testing::BuiltInstance(ObjectType::kFundingHold);
  hold.body.Set("surprise", json::Tree::Number(1));
  auto r = ToFlatBuffer(hold);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(StatusReason(r.status()), "OBJECT_NOT_STORABLE");
  Object upper = testing::BuiltInstance(ObjectType::kFundingHold);
  upper.body.Set("holdHash", json::Tree::String(std::string(64, 'A')));
  EXPECT_EQ(StatusReason(ToFlatBuffer(upper).status()), "OBJECT_NOT_STORABLE");
}

}  // namespace
}  // namespace nooterra::objects
