#include "harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace nooterra::bench {

double MeasureRate(const Config& config, const std::function<void(uint64_t)>& body) {
  using Clock = std::chrono::steady_clock;
  // Calibrate: grow the batch until one batch takes about 10 ms.
  uint64_t batch = 1;
  while (true) {
    auto t0 = Clock::now();
    body(batch);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s > 0.01 || batch > (uint64_t{1} << 40)) break;
    batch *= s < 0.001 ? 10 : 2;
  }
  std::vector<double> rates;
  for (int r = 0; r < config.rounds; ++r) {
    uint64_t done = 0;
    auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < config.round_seconds) {
      body(batch);
      done += batch;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    rates.push_back(static_cast<double>(done) / elapsed);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

void Report::Add(std::string key, double value, std::string note) {
  entries_.push_back({std::move(key), value, std::move(note)});
}

std::string Report::Json() const {
  std::string out = "{";
  for (size_t i = 0; i < entries_.size(); ++i) {
    char buf[64];
    double v = entries_[i].value;
    // Integers for large rates, three decimals for small ones.
    if (std::fabs(v) >= 1000) {
      std::snprintf(buf, sizeof(buf), "%.0f", v);
    } else {
      std::snprintf(buf, sizeof(buf), "%.3f", v);
    }
    out += (i ? ",\"" : "\"") + entries_[i].key + "\":" + buf;
  }
  return out + "}";
}

std::string Report::Text() const {
  std::string out;
  for (const auto& e : entries_) {
    char buf[256];
    std::snprintf(buf, sizeof(buf), "%-34s %16.1f  %s\n", e.key.c_str(), e.value, e.note.c_str());
    out += buf;
  }
  return out;
}

}  // namespace nooterra::bench
