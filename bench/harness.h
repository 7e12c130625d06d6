// A tiny measurement harness: run a body repeatedly for a time budget, several rounds, and
// report the median round. Medians, because these machines are shared and noisy.
#ifndef NOOTERRA_BENCH_HARNESS_H_
#define NOOTERRA_BENCH_HARNESS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace nooterra::bench {

struct Config {
  double round_seconds = 0.5;  // time per round
  int rounds = 5;              // median over rounds
};

// Runs `body(iterations)` (which must do `iterations` units of work) and returns the median
// rate in units per second.
double MeasureRate(const Config& config, const std::function<void(uint64_t)>& body);

// Collected results, printed as one JSON object (insertion order) or as a table.
class Report {
 public:
  void Add(std::string key, double value, std::string unit_note);
  std::string Json() const;
  std::string Text() const;

 private:
  struct Entry {
    std::string key;
    double value;
    std::string note;
  };
  std::vector<Entry> entries_;
};

// Keeps the optimizer from deleting work whose result is unused.
template <typename T>
inline void DoNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace nooterra::bench

#endif  // NOOTERRA_BENCH_HARNESS_H_
