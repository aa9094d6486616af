// The daemon's counters and the Prometheus text exposition of GET /metrics. Thread-safe; rendering is pure.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hardend::server {

// How a run ended, as counted by hardend_runs_total{outcome=...}.
enum class RunOutcomeKind { success, script_error, timeout, oom, failed, busy, rejected };
std::string to_string(RunOutcomeKind outcome);

struct PoolGauge {
  std::string image;
  std::string isolation;
  int64_t idle = 0;
  int64_t busy = 0;
  int64_t starting = 0;
};

class Metrics {
 public:
  // Upper bounds (seconds) of the run latency histogram; +Inf is implied.
  static constexpr std::array<double, 14> kLatencyBuckets{0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,    1,     2.5,  5,     10,   30,  60};

  void count_run(RunOutcomeKind outcome, std::chrono::duration<double> latency);
  void count_container_start(bool ok);
  void count_container_removed() { containers_removed_++; }
  void count_reload(bool ok) { (ok ? reloads_ok_ : reloads_rejected_)++; }
  void count_unauthorized() { unauthorized_++; }
  void count_recycled() { recycled_++; }
  // POST /v1/check: passed, failed (a check failed or an image could not be checked) or rejected (bad request).
  enum class CheckOutcome { passed, failed, rejected };
  void count_check(CheckOutcome outcome) { checks_[static_cast<std::size_t>(outcome)]++; }
  // server.network.reconcile passes: the rules already matched, had to be changed (drift repaired), or failed.
  enum class ReconcileOutcome { unchanged, changed, failed };
  void count_network_reconcile(ReconcileOutcome outcome) { reconciles_[static_cast<std::size_t>(outcome)]++; }

  int64_t runs(RunOutcomeKind outcome) const;
  int64_t reloads_ok() const { return reloads_ok_; }

  // Text format 0.0.4: HELP/TYPE lines, one sample per line.
  std::string render(const std::vector<PoolGauge>& pools, int64_t in_flight, int64_t queued) const;

 private:
  mutable std::mutex mutex_;
  std::map<RunOutcomeKind, int64_t> runs_;
  std::array<int64_t, kLatencyBuckets.size()> bucket_counts_{};  // not cumulative; summed when rendered
  int64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::atomic<int64_t> container_starts_{0};
  std::atomic<int64_t> container_start_failures_{0};
  std::atomic<int64_t> containers_removed_{0};
  std::atomic<int64_t> reloads_ok_{0};
  std::atomic<int64_t> reloads_rejected_{0};
  std::atomic<int64_t> unauthorized_{0};
  std::atomic<int64_t> recycled_{0};
  std::array<std::atomic<int64_t>, 3> checks_{};
  std::array<std::atomic<int64_t>, 3> reconciles_{};
};

// Label values escape backslash, double quote and newline.
std::string escape_label_value(const std::string& value);

}  // namespace hardend::server
