// ECMAScript semantics the protocol depends on, shared by the verifier and the object builders.
// The reference is a Node.js program: its trimming, lower-casing, key ordering, localeCompare
// and Date.parse decide bytes that get hashed, so we reproduce them here once.
//
// Strings are UTF-8 (WTF-8 for lone surrogates, as the JSON parser produces them).
#ifndef NOOTERRA_SRC_COMMON_JS_H_
#define NOOTERRA_SRC_COMMON_JS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nooterra/json.h"

namespace nooterra::js {

// One UTF-8 code point at s[*i] (advances *i); invalid bytes decode as themselves.
uint32_t DecodeUtf8(std::string_view s, size_t* i);
// String.prototype.trim (the ECMAScript whitespace and line-terminator set).
std::string_view TrimJs(std::string_view s);
bool IsBlank(std::string_view s);
// ASCII lower-case after TrimJs, for enum-like values ("Server " -> "server").
std::string LowerTrim(std::string_view s);
// String.prototype.toLowerCase (full mapping for Latin, Greek, Cyrillic and other bicameral
// scripts in the BMP; see js_text.cc for the documented coverage).
std::string LowerJs(std::string_view s);
// 64 lowercase hex digits.
bool IsHex64(std::string_view s);
// String.prototype.length: UTF-16 code units of a UTF-8 string.
size_t Utf16Length(std::string_view s);
// UTF-16 code-unit order of two UTF-8 strings (what JS `<` does).
int CompareUtf16(std::string_view a, std::string_view b);
// localeCompare-compatible ordering (ICU root collation, tertiary strength) for ASCII; other
// code points sort after ASCII in code-point order. Returns <0, 0, >0.
int LocaleCompare(std::string_view a, std::string_view b);

// String(v) of a JSON value: numbers in ECMAScript layout, arrays joined with "," (null elements
// print as ""), objects "[object Object]". Absent (undefined) gives "": callers check presence.
std::string ValueString(json::Value v);
// Number(v): strings by StringToNumber (trimmed; "" is 0; decimal, Infinity, 0x/0o/0b literals;
// anything else NaN), null 0, booleans 0/1, arrays through their String(), objects and absent NaN.
double ToNumber(json::Value v);
// Number.isSafeInteger.
bool IsSafeInteger(double d);

// How a parsed date string was written.
struct TimeForm {
  bool date_only = false;   // "2026-02-01": read as UTC midnight
  bool has_offset = false;  // ends in Z or +hh:mm / -hh:mm
};
// Date.parse on the ECMAScript date-time format (plus the reference's accepted variants) in
// milliseconds since the epoch; nullopt when unparseable. Offset-less date-times are read as UTC
// (the reference uses the process time zone; callers that must not guess check `form`).
std::optional<int64_t> ParseTime(std::string_view s, TimeForm* form);
std::optional<int64_t> ParseTimeMs(std::string_view s);
// An unambiguous instant: a date-time with Z or an offset, or a bare date (UTC midnight); nullopt
// for anything else, offset-less date-times included (they would depend on a time zone).
std::optional<int64_t> ParseInstantMs(std::string_view s);
// Date.prototype.toISOString: "YYYY-MM-DDTHH:MM:SS.sssZ" (signed 6-digit years outside 0..9999).
std::string FormatIsoMs(int64_t ms);

}  // namespace nooterra::js

#endif  // NOOTERRA_SRC_COMMON_JS_H_
