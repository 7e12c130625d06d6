// Date.parse (the ECMAScript date-time string format plus the variants V8 accepts that the
// reference's inputs use) and Date.prototype.toISOString.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "common/js.h"

namespace nooterra::js {

namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date. Days past the
  // end of the month roll over, as V8 does for "2026-02-30".
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t* pos, size_t n, int64_t* value) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[*pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

}  // namespace

std::optional<int64_t> ParseTime(std::string_view s, TimeForm* form) {
  size_t p = 0;
  int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    bool negative = s[p] == '-';
    ++p;
    if (!Digits(s, &p, 6, &year)) return std::nullopt;
    if (negative && year == 0) return std::nullopt;  // -000000 is invalid per ECMA-262
    if (negative) year = -year;
  } else if (!Digits(s, &p, 4, &year)) {
    return std::nullopt;
  }
  bool date_only = true;
  bool has_offset = false;
  if (p < s.size() && s[p] == '-') {
    ++p;
    if (!Digits(s, &p, 2, &month)) return std::nullopt;
    if (p < s.size() && s[p] == '-') {
      ++p;
      if (!Digits(s, &p, 2, &day)) return std::nullopt;
    }
  }
  int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    date_only = false;
    ++p;
    if (!Digits(s, &p, 2, &hour) || p >= s.size() || s[p] != ':') return std::nullopt;
    ++p;
    if (!Digits(s, &p, 2, &minute)) return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!Digits(s, &p, 2, &second)) return std::nullopt;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        size_t start = p;
        int64_t scale = 100;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          ms += (s[p] - '0') * scale;  // truncated to milliseconds
          scale /= 10;
          ++p;
        }
        if (p == start) return std::nullopt;
      }
    }
    if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
      ++p;
      has_offset = true;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
      int64_t sign = s[p] == '-' ? -1 : 1, oh = 0, om = 0;
      ++p;
      if (!Digits(s, &p, 2, &oh) || p >= s.size() || s[p] != ':') return std::nullopt;
      ++p;
      if (!Digits(s, &p, 2, &om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
      has_offset = true;
    }
  } else if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;  // date-only with an explicit Z
  }
  if (p != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  if (hour > 24 || minute > 59 || second > 59) return std::nullopt;
  if (hour == 24 && (minute != 0 || second != 0 || ms != 0)) return std::nullopt;
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t t = ((days * 24 + hour) * 60 + minute - offset_min) * 60000 + second * 1000 + ms;
  // ECMAScript time values are limited to +-8.64e15 ms.
  if (t > 8640000000000000LL || t < -8640000000000000LL) return std::nullopt;
  if (form != nullptr) {
    form->date_only = date_only;
    form->has_offset = has_offset;
  }
  return t;
}

std::optional<int64_t> ParseTimeMs(std::string_view s) { return ParseTime(s, nullptr); }

std::string FormatIsoMs(int64_t ms) {
  // Date.prototype.toISOString: 4-digit years for 0..9999, else a signed 6-digit year.
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  const int64_t h = rem / 3600000, mi = rem / 60000 % 60, sec = rem / 1000 % 60, milli = rem % 1000;
  if (y >= 0 && y <= 9999) {
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                  static_cast<long long>(h), static_cast<long long>(mi),
                  static_cast<long long>(sec), static_cast<long long>(milli));
  } else {
    std::snprintf(buf, sizeof buf, "%c%06lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  y < 0 ? '-' : '+', static_cast<long long>(y < 0 ? -y : y),
                  static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(h),
                  static_cast<long long>(mi), static_cast<long long>(sec),
                  static_cast<long long>(milli));
  }
  return buf;
}

std::optional<int64_t> ParseInstantMs(std::string_view s) {
  TimeForm form;
  auto ms = ParseTime(s, &form);
  if (!ms || (!form.date_only && !form.has_offset)) return std::nullopt;
  return ms;
}

}  // namespace nooterra::js
