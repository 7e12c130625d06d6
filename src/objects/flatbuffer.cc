// JSON <-> FlatBuffer for the stored object types, driven by the embedded binary schema of
// src/objects/objects.fbs: field names are the JSON member names in snake_case, and the field
// attributes (hex, json, nullable) say how each member maps. One generic converter instead of a
// hand-written one per type keeps the schema the single source of truth.
//
// Only header-only parts of FlatBuffers are used (builder, Table, the reflection accessors), so
// no FlatBuffers library is linked into libnooterra.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/strings.h"
#include "flatbuffers/flatbuffers.h"
#include "flatbuffers/reflection.h"
#include "nooterra/objects.h"
#include "nooterra/status.h"
#include "objects/objects_bfbs_generated.h"
#include "objects/objects_generated.h"

namespace nooterra::objects {

namespace {

constexpr int kTableDepthMax = 8;  // nesting of tables in the schema is at most 2

std::string_view TableOf(ObjectType type) {
  switch (type) {
    case ObjectType::kToolCallAgreement: return "nooterra.fb.ToolCallAgreement";
    case ObjectType::kToolCallEvidence: return "nooterra.fb.ToolCallEvidence";
    case ObjectType::kFundingHold: return "nooterra.fb.FundingHold";
    case ObjectType::kSettlementDecisionRecordV1:
    case ObjectType::kSettlementDecisionRecordV2: return "nooterra.fb.SettlementDecisionRecord";
    case ObjectType::kSettlementReceipt: return "nooterra.fb.SettlementReceipt";
    case ObjectType::kSettlementAdjustment: return "nooterra.fb.SettlementAdjustment";
    case ObjectType::kPolicyDecision: return "nooterra.fb.PolicyDecision";
    case ObjectType::kDisputeOpenEnvelope: return "nooterra.fb.DisputeOpenEnvelope";
    case ObjectType::kArbitrationCase: return "nooterra.fb.ArbitrationCase";
    case ObjectType::kArbitrationVerdict: return "nooterra.fb.ArbitrationVerdict";
    case ObjectType::kReputationEvent: return "nooterra.fb.ReputationEvent";
    case ObjectType::kAgentWallet: return "nooterra.fb.AgentWallet";
    default: return "";
  }
}

// Structural verification with the generated verifier of the type's table.
bool VerifyBuffer(ObjectType type, std::string_view bytes) {
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  switch (type) {
    case ObjectType::kToolCallAgreement: return v.VerifyBuffer<fb::ToolCallAgreement>(nullptr);
    case ObjectType::kToolCallEvidence: return v.VerifyBuffer<fb::ToolCallEvidence>(nullptr);
    case ObjectType::kFundingHold: return v.VerifyBuffer<fb::FundingHold>(nullptr);
    case ObjectType::kSettlementDecisionRecordV1:
    case ObjectType::kSettlementDecisionRecordV2:
      return v.VerifyBuffer<fb::SettlementDecisionRecord>(nullptr);
    case ObjectType::kSettlementReceipt: return v.VerifyBuffer<fb::SettlementReceipt>(nullptr);
    case ObjectType::kSettlementAdjustment: return v.VerifyBuffer<fb::SettlementAdjustment>(nullptr);
    case ObjectType::kPolicyDecision: return v.VerifyBuffer<fb::PolicyDecision>(nullptr);
    case ObjectType::kDisputeOpenEnvelope: return v.VerifyBuffer<fb::DisputeOpenEnvelope>(nullptr);
    case ObjectType::kArbitrationCase: return v.VerifyBuffer<fb::ArbitrationCase>(nullptr);
    case ObjectType::kArbitrationVerdict: return v.VerifyBuffer<fb::ArbitrationVerdict>(nullptr);
    case ObjectType::kReputationEvent: return v.VerifyBuffer<fb::ReputationEvent>(nullptr);
    case ObjectType::kAgentWallet: return v.VerifyBuffer<fb::AgentWallet>(nullptr);
    default: return false;
  }
}

const reflection::Schema& Schema() {
  static const reflection::Schema* schema = [] {
    const uint8_t* data = fb::ToolCallAgreementBinarySchema::data();
    flatbuffers::Verifier v(data, fb::ToolCallAgreementBinarySchema::size());
    // The schema is compiled into the library; if it does not verify the build is broken.
    if (!reflection::VerifySchemaBuffer(v)) __builtin_trap();
    return reflection::GetSchema(data);
  }();
  return *schema;
}

bool HasAttr(const reflection::Field& f, const char* name) {
  return f.attributes() != nullptr && f.attributes()->LookupByKey(name) != nullptr;
}

std::string SnakeCase(std::string_view camel) {
  std::string out;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string CamelCase(std::string_view snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    upper = false;
  }
  return out;
}

absl::Status NotStorable(std::string message) {
  return MakeError(absl::StatusCode::kInvalidArgument, "OBJECT_NOT_STORABLE", message);
}

absl::Status Corrupt(std::string message) {
  return MakeError(absl::StatusCode::kDataLoss, "OBJECT_BUFFER_CORRUPT", message);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

struct Pending {
  flatbuffers::voffset_t voffset;
  reflection::BaseType type;
  flatbuffers::uoffset_t offset = 0;
  int64_t integer = 0;
};

absl::StatusOr<flatbuffers::uoffset_t> BuildTable(flatbuffers::FlatBufferBuilder& fbb,
                                                  const reflection::Object& table,
                                                  const json::Tree& value, int depth) {
  if (depth > kTableDepthMax || !value.is_object()) {
    return NotStorable(StrCat(table.name()->str(), " needs a JSON object"));
  }
  for (const auto& member : value.members()) {
    if (table.fields()->LookupByKey(SnakeCase(member.first).c_str()) == nullptr) {
      return NotStorable(StrCat("member ", member.first, " has no field in ", table.name()->str()));
    }
  }
  // Fields in schema order, so that the bytes do not depend on the JSON member order.
  std::vector<Pending> pending;
  for (const reflection::Field* field : *table.fields()) {
    const std::string member = CamelCase(field->name()->str());
    const json::Tree* found = value.Find(member);
    if (found == nullptr) continue;
    const json::Tree& v = *found;
    if (v.is_null() && HasAttr(*field, "nullable")) continue;  // absent <-> null
    const std::string where = StrCat(table.name()->str(), ".", member);
    Pending p{field->offset(), field->type()->base_type()};
    switch (p.type) {
      case reflection::String: {
        if (HasAttr(*field, "json")) {
          auto text = json::CanonicalString(v);
          if (!text.ok()) return text.status();
          p.offset = fbb.CreateString(*text).o;
        } else {
          if (!v.is_string()) return NotStorable(StrCat(where, " must be a string"));
          p.offset = fbb.CreateString(v.as_string()).o;
        }
        break;
      }
      case reflection::Vector: {
        const reflection::BaseType element = field->type()->element();
        if (element == reflection::UByte && HasAttr(*field, "hex")) {
          if (!v.is_string() || v.as_string().size() != 64) {
            return NotStorable(StrCat(where, " must be a sha256 hex string"));
          }
          uint8_t bytes[32];
          for (size_t i = 0; i < 32; ++i) {
            const int hi = HexValue(v.as_string()[2 * i]), lo = HexValue(v.as_string()[2 * i + 1]);
            if (hi < 0 || lo < 0) return NotStorable(StrCat(where, " must be lowercase hex"));
            bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
          }
          p.offset = fbb.CreateVector(bytes, 32).o;
        } else if (element == reflection::String) {
          if (!v.is_array()) return NotStorable(StrCat(where, " must be an array of strings"));
          std::vector<flatbuffers::Offset<flatbuffers::String>> items;
          for (const json::Tree& item : v.items()) {
            if (!item.is_string()) return NotStorable(StrCat(where, " must be an array of strings"));
            items.push_back(fbb.CreateString(item.as_string()));
          }
          p.offset = fbb.CreateVector(items).o;
        } else {
          return NotStorable(StrCat(where, ": unsupported vector type in the schema"));
        }
        break;
      }
      case reflection::Obj: {
        const reflection::Object* sub = Schema().objects()->Get(field->type()->index());
        auto offset = BuildTable(fbb, *sub, v, depth + 1);
        if (!offset.ok()) return offset.status();
        p.offset = *offset;
        break;
      }
      case reflection::Long: {
        const double d = v.is_number() ? v.as_number() : 0.5;
        if (!v.is_number() || d != static_cast<double>(static_cast<int64_t>(d)) ||
            d > 9007199254740991.0 || d < -9007199254740991.0) {
          return NotStorable(StrCat(where, " must be a safe integer"));
        }
        p.integer = static_cast<int64_t>(d);
        break;
      }
      case reflection::Bool:
        if (!v.is_bool()) return NotStorable(StrCat(where, " must be a boolean"));
        p.integer = v.as_bool() ? 1 : 0;
        break;
      default:
        return NotStorable(StrCat(where, ": unsupported field type in the schema"));
    }
    pending.push_back(p);
  }
  const flatbuffers::uoffset_t start = fbb.StartTable();
  for (const Pending& p : pending) {
    switch (p.type) {
      case reflection::Long:
        fbb.AddElement<int64_t>(p.voffset, p.integer, 0);
        break;
      case reflection::Bool:
        fbb.AddElement<uint8_t>(p.voffset, static_cast<uint8_t>(p.integer), 0);
        break;
      default:
        fbb.AddOffset(p.voffset, flatbuffers::Offset<void>(p.offset));
    }
  }
  return fbb.EndTable(start);
}

absl::StatusOr<json::Tree> ReadTable(const reflection::Object& table, const flatbuffers::Table& t,
                                     int depth) {
  if (depth > kTableDepthMax) return Corrupt("tables nested too deeply");
  json::Tree out = json::Tree::Object();
  for (const reflection::Field* field : *table.fields()) {
    const std::string name = CamelCase(field->name()->str());
    if (!t.CheckField(field->offset())) {
      if (HasAttr(*field, "nullable")) out.Set(name, json::Tree::Null());
      continue;
    }
    const std::string where = StrCat(table.name()->str(), ".", name);
    switch (field->type()->base_type()) {
      case reflection::String: {
        const flatbuffers::String* s = flatbuffers::GetFieldS(t, *field);
        if (s == nullptr) return Corrupt(StrCat(where, " is a null string"));
        if (HasAttr(*field, "json")) {
          json::Limits limits;
          limits.depth_max = kObjectDepthMax;
          auto parsed = json::Tree::Parse(s->string_view(), limits);
          if (!parsed.ok()) return Corrupt(StrCat(where, " holds invalid JSON"));
          out.Set(name, std::move(*parsed));
        } else {
          out.Set(name, json::Tree::String(s->str()));
        }
        break;
      }
      case reflection::Vector: {
        if (field->type()->element() == reflection::UByte) {
          const auto* bytes = flatbuffers::GetFieldV<uint8_t>(t, *field);
          if (bytes == nullptr || bytes->size() != 32) return Corrupt(StrCat(where, " is not 32 bytes"));
          out.Set(name, json::Tree::String(
                            crypto::HexEncode(crypto::Bytes(bytes->data(), bytes->size()))));
        } else {
          const auto* items = flatbuffers::GetFieldV<flatbuffers::Offset<flatbuffers::String>>(t, *field);
          json::Tree list = json::Tree::Array();
          if (items != nullptr) {
            for (const flatbuffers::String* item : *items) list.Push(json::Tree::String(item->str()));
          }
          out.Set(name, std::move(list));
        }
        break;
      }
      case reflection::Obj: {
        const flatbuffers::Table* sub = flatbuffers::GetFieldT(t, *field);
        if (sub == nullptr) return Corrupt(StrCat(where, " is a null table"));
        auto nested = ReadTable(*Schema().objects()->Get(field->type()->index()), *sub, depth + 1);
        if (!nested.ok()) return nested.status();
        out.Set(name, std::move(*nested));
        break;
      }
      case reflection::Long: {
        const int64_t v = t.GetField<int64_t>(field->offset(), 0);
        if (v > 9007199254740991LL || v < -9007199254740991LL) {
          return Corrupt(StrCat(where, " is outside the safe integer range"));
        }
        out.Set(name, json::Tree::Number(static_cast<double>(v)));
        break;
      }
      case reflection::Bool:
        out.Set(name, json::Tree::Bool(t.GetField<uint8_t>(field->offset(), 0) != 0));
        break;
      default:
        return Corrupt(StrCat(where, ": unsupported field type"));
    }
  }
  return out;
}

}  // namespace

bool HasStorageForm(ObjectType type) { return !TableOf(type).empty(); }

absl::StatusOr<std::string> ToFlatBuffer(const Object& object) {
  const std::string table_name(TableOf(object.type));
  if (table_name.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "OBJECT_NO_STORAGE_FORM",
                     StrCat(SchemaVersionOf(object.type), " has no storage form"));
  }
  const reflection::Object* table = Schema().objects()->LookupByKey(table_name.c_str());
  if (table == nullptr) __builtin_trap();  // TableOf names a table the schema does not have
  flatbuffers::FlatBufferBuilder fbb(512);
  fbb.ForceDefaults(true);  // a present 0 must stay present: presence is part of the object
  auto root = BuildTable(fbb, *table, object.body, 0);
  if (!root.ok()) return root.status();
  fbb.Finish(flatbuffers::Offset<void>(*root));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

absl::StatusOr<Object> FromFlatBuffer(ObjectType type, std::string_view bytes) {
  const std::string table_name(TableOf(type));
  if (table_name.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "OBJECT_NO_STORAGE_FORM",
                     StrCat(SchemaVersionOf(type), " has no storage form"));
  }
  // FlatBuffers reads scalars in place and needs the buffer 8-byte aligned; bytes from a
  // caller (a map value, a network frame, a slice) need not be, so misaligned input is copied.
  std::vector<uint64_t> aligned;
  if (!bytes.empty() && reinterpret_cast<uintptr_t>(bytes.data()) % alignof(uint64_t) != 0) {
    if (bytes.size() > kObjectBytesMax) return Corrupt("buffer larger than the object limit");
    aligned.resize((bytes.size() + 7) / 8);
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    bytes = std::string_view(reinterpret_cast<const char*>(aligned.data()), bytes.size());
  }
  if (bytes.size() > kObjectBytesMax || !VerifyBuffer(type, bytes)) {
    return Corrupt(StrCat("not a valid ", table_name, " buffer"));
  }
  const reflection::Object* table = Schema().objects()->LookupByKey(table_name.c_str());
  const flatbuffers::Table* root = flatbuffers::GetAnyRoot(reinterpret_cast<const uint8_t*>(bytes.data()));
  auto body = ReadTable(*table, *root, 0);
  if (!body.ok()) return body.status();
  const json::Tree* schema_version = body->Find("schemaVersion");
  if (schema_version == nullptr || !schema_version->is_string() ||
      TypeFromSchemaVersion(schema_version->as_string()) != type) {
    return Corrupt(StrCat("buffer does not hold a ", SchemaVersionOf(type)));
  }
  Object object;
  object.type = type;
  object.body = std::move(*body);
  auto canonical = json::CanonicalString(object.body);
  if (!canonical.ok()) return canonical.status();
  object.canonical = std::move(*canonical);
  auto hash = ComputeHash(type, object.body);
  if (!hash.ok()) return hash.status();
  object.hash = std::move(*hash);
  return object;
}

}  // namespace nooterra::objects
