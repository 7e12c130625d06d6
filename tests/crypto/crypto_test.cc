// SHA-256, hex, base64 and Ed25519 primitives against published test vectors (FIPS 180-4,
// RFC 4648, RFC 8032) and the behaviours the protocol digest describes.
#include <cstdio>
#include <cstring>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nooterra/crypto.h"
#include "nooterra/status.h"

namespace nooterra::crypto {
namespace {

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(Sha256Hex(std::string_view("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(std::string_view("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(Sha256Hex(million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, StreamingEqualsOneShotAtEverySplit) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  Digest expected = Sha256Digest(data);
  Sha256 sha;
  for (size_t split = 0; split <= data.size(); ++split) {
    sha.Update(std::string_view(data).substr(0, split));
    sha.Update(std::string_view(data).substr(split));
    ASSERT_EQ(sha.Finish(), expected) << split;  // Finish also resets for the next round
  }
}

TEST(Hex, EncodeAndDigestFromHex) {
  const uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(HexEncode(Bytes(bytes, 4)), "000fa0ff");
  char into[10];
  std::memset(into, '#', sizeof(into));
  HexEncodeTo(Bytes(bytes, 4), into);
  EXPECT_EQ(std::string_view(into, sizeof(into)), "000fa0ff##");  // exactly 2n bytes written
  // Every byte value, at every length and alignment the 16-byte steps and the byte tail meet,
  // against printf's %02x.
  uint8_t all[256 + 16];
  for (size_t i = 0; i < sizeof(all); ++i) all[i] = static_cast<uint8_t>(i * 7 + 3);
  for (size_t i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  for (size_t start = 0; start < 16; ++start) {
    for (size_t len : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{31},
                       size_t{32}, size_t{33}, size_t{256}}) {
      std::string expected;
      for (size_t i = 0; i < len; ++i) {
        char two[3];
        std::snprintf(two, sizeof(two), "%02x", all[start + i]);
        expected += two;
      }
      std::string got(2 * len + 1, '#');
      HexEncodeTo(Bytes(all + start, len), got.data());
      EXPECT_EQ(got, expected + "#") << "start " << start << " len " << len;
    }
  }
  std::string hex = Sha256Hex(std::string_view("abc"));
  auto d = DigestFromHex(hex);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(HexEncode(*d), hex);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_TRUE(DigestFromHex(upper).ok());
  EXPECT_EQ(StatusReason(DigestFromHex("abc").status()), "HEX_INVALID");
  std::string bad = hex;
  bad[10] = 'g';
  auto e = DigestFromHex(bad);
  EXPECT_EQ(StatusReason(e.status()), "HEX_INVALID");
  EXPECT_EQ(StatusOffset(e.status()), 10u);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {{"", ""},         {"f", "Zg=="},
                                                   {"fo", "Zm8="},   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : v) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    EXPECT_EQ(Base64DecodeLenient(encoded), plain);
    auto strict = Base64DecodeStrict(encoded);
    ASSERT_TRUE(strict.ok()) << encoded;
    EXPECT_EQ(*strict, plain);
  }
}

TEST(Base64, LenientLikeNodeBuffer) {
  EXPECT_EQ(Base64DecodeLenient("Zm9v\nYmFy"), "foobar");      // whitespace skipped
  EXPECT_EQ(Base64DecodeLenient("Zm9v*!YmFy"), "foobar");      // junk skipped
  EXPECT_EQ(Base64DecodeLenient("Zm9vYg"), "foob");            // padding optional
  EXPECT_EQ(Base64DecodeLenient("Zm9=vYmFy"), "fo");           // stops at the first '='
  EXPECT_EQ(Base64DecodeLenient("-_-_"), "\xfb\xff\xbf");      // URL-safe alphabet
  EXPECT_EQ(Base64DecodeLenient("+/+/"), "\xfb\xff\xbf");
  EXPECT_EQ(Base64DecodeLenient("Z"), "");                     // a lone symbol is no byte
}

TEST(Base64, StrictRejects) {
  for (const char* bad : {"Zg=", "Zm9", "Z===", "Zm=v", "Zm9v*", "Zh==", "Zm9vYh==", "-_-_"}) {
    auto r = Base64DecodeStrict(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(StatusReason(r.status()), "BASE64_INVALID") << bad;
  }
  auto ok = Base64DecodeStrict(" Zm9v\r\n YmFy ");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "foobar");
}

TEST(ConstantTime, Equals) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("ab")));
}

// RFC 8032 §7.1 TEST 1: the seed derives the published public key. (RFC signing vectors sign
// arbitrary messages; this library only signs 32-byte digests, which the protocol vectors
// below cover byte for byte.)
TEST(Ed25519, Rfc8032KeyDerivation) {
  auto seed = DigestFromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  ASSERT_TRUE(seed.ok());
  auto key = PrivateKey::FromSeed(*seed);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key().raw()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}

TEST(Ed25519, SignVerifyRoundTripAndTamper) {
  auto seed = DigestFromHex(std::string(64, '7'));
  auto key = PrivateKey::FromSeed(*seed);
  ASSERT_TRUE(key.ok());
  Digest digest = Sha256Digest(std::string_view("payload"));
  Signature sig = key->Sign(digest);
  EXPECT_EQ(sig, key->Sign(digest));  // deterministic
  PublicKey pub = key->public_key();
  EXPECT_TRUE(pub.Verify(digest, sig));
  Signature bad = sig;
  bad[5] ^= 1;
  EXPECT_FALSE(pub.Verify(digest, bad));
  Digest other = digest;
  other[0] ^= 1;
  EXPECT_FALSE(pub.Verify(other, sig));
  EXPECT_FALSE(pub.Verify(digest, Bytes(sig.data(), 63)));  // wrong length: invalid, no error
  EXPECT_FALSE(pub.Verify(digest, Bytes()));
}

TEST(Ed25519, PemRoundTripIsByteExact) {
  auto key = PrivateKey::FromSeed(*DigestFromHex(std::string(64, 'a')));
  ASSERT_TRUE(key.ok());
  std::string priv = key->ToPem();
  EXPECT_THAT(priv, ::testing::StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_THAT(priv, ::testing::EndsWith("\n-----END PRIVATE KEY-----\n"));
  auto again = PrivateKey::FromPem(priv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToPem(), priv);
  std::string pub = key->public_key().ToPem();
  auto pub_again = PublicKey::FromPem(pub);
  ASSERT_TRUE(pub_again.ok());
  EXPECT_EQ(pub_again->ToPem(), pub);
  EXPECT_EQ(pub_again->KeyId(), KeyIdFromPem(pub));
  // Without the trailing newline the key still parses (as OpenSSL does) but its id differs.
  auto no_nl = PublicKey::FromPem(pub.substr(0, pub.size() - 1));
  ASSERT_TRUE(no_nl.ok());
  EXPECT_NE(KeyIdFromPem(pub.substr(0, pub.size() - 1)), KeyIdFromPem(pub));
}

TEST(Ed25519, BadPemsAreTypedErrors) {
  auto key = PrivateKey::FromSeed(*DigestFromHex(std::string(64, 'b')));
  std::string pub = key->public_key().ToPem();
  std::string priv = key->ToPem();
  const std::string bad_pems[] = {
      "",
      "not a pem",
      "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
      "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",  // short DER
      "-----BEGIN PUBLIC KEY-----\n@@@@\n-----END PUBLIC KEY-----\n",
      "junk" + pub,
      pub + "junk",
      priv,  // a private key is not a public key
      std::string(kPemBytesMax + 1, ' ') + pub,
  };
  for (const auto& pem : bad_pems) {
    auto r = PublicKey::FromPem(pem);
    ASSERT_FALSE(r.ok()) << pem;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(StatusReason(r.status()), "KEY_INVALID_PEM") << pem;
  }
  EXPECT_EQ(StatusReason(PrivateKey::FromPem(pub).status()), "KEY_INVALID_PEM");
  // An RSA-sized body under the right label.
  std::string rsa = "-----BEGIN PRIVATE KEY-----\n" + Base64Encode(AsBytes(std::string(200, 'x'))) +
                    "\n-----END PRIVATE KEY-----\n";
  EXPECT_EQ(StatusReason(PrivateKey::FromPem(rsa).status()), "KEY_INVALID_PEM");
  EXPECT_EQ(StatusReason(PrivateKey::FromSeed(AsBytes("short")).status()), "KEY_INVALID_LENGTH");
  EXPECT_EQ(StatusReason(PublicKey::FromRaw(AsBytes("short")).status()), "KEY_INVALID_LENGTH");
}

TEST(Ed25519, GeneratedKeysDiffer) {
  auto a = PrivateKey::Generate();
  auto b = PrivateKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key().raw(), b->public_key().raw());
}

TEST(Ed25519, SignHashHex) {
  auto key = PrivateKey::FromSeed(*DigestFromHex(std::string(64, 'c')));
  std::string hex = Sha256Hex(std::string_view("x"));
  auto b64 = key->SignHashHex(hex);
  ASSERT_TRUE(b64.ok());
  EXPECT_EQ(b64->size(), 88u);
  EXPECT_EQ(*b64, Base64Encode(key->Sign(*DigestFromHex(hex))));
  EXPECT_EQ(StatusReason(key->SignHashHex("zz").status()), "HEX_INVALID");
}

}  // namespace
}  // namespace nooterra::crypto
