#include "server/metrics.h"

#include <sstream>

namespace hardend::server {

std::string to_string(RunOutcomeKind outcome) {
  switch (outcome) {
    case RunOutcomeKind::success:
      return "success";
    case RunOutcomeKind::script_error:
      return "script_error";
    case RunOutcomeKind::timeout:
      return "timeout";
    case RunOutcomeKind::oom:
      return "oom";
    case RunOutcomeKind::failed:
      return "failed";
    case RunOutcomeKind::busy:
      return "busy";
    case RunOutcomeKind::rejected:
      return "rejected";
  }
  return "unknown";
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

void Metrics::count_run(RunOutcomeKind outcome, std::chrono::duration<double> latency) {
  std::lock_guard lock(mutex_);
  runs_[outcome]++;
  if (outcome == RunOutcomeKind::busy || outcome == RunOutcomeKind::rejected) return;  // never ran
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i)
    if (latency.count() <= kLatencyBuckets[i]) {
      bucket_counts_[i]++;
      break;
    }
  latency_count_++;
  latency_sum_ += latency.count();
}

void Metrics::count_container_start(bool ok) { (ok ? container_starts_ : container_start_failures_)++; }

int64_t Metrics::runs(RunOutcomeKind outcome) const {
  std::lock_guard lock(mutex_);
  auto it = runs_.find(outcome);
  return it == runs_.end() ? 0 : it->second;
}

std::string Metrics::render(const std::vector<PoolGauge>& pools, int64_t in_flight, int64_t queued) const {
  std::ostringstream out;
  auto header = [&out](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  {
    std::lock_guard lock(mutex_);
    header("hardend_runs_total", "counter", "Runs by outcome (busy and rejected never ran).");
    for (auto outcome : {RunOutcomeKind::success, RunOutcomeKind::script_error, RunOutcomeKind::timeout,
                         RunOutcomeKind::oom, RunOutcomeKind::failed, RunOutcomeKind::busy, RunOutcomeKind::rejected}) {
      auto it = runs_.find(outcome);
      out << "hardend_runs_total{outcome=\"" << to_string(outcome) << "\"} " << (it == runs_.end() ? 0 : it->second)
          << "\n";
    }
    header("hardend_run_duration_seconds", "histogram", "Run latency inside the daemon, request to result.");
    int64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += bucket_counts_[i];
      out << "hardend_run_duration_seconds_bucket{le=\"" << kLatencyBuckets[i] << "\"} " << cumulative << "\n";
    }
    out << "hardend_run_duration_seconds_bucket{le=\"+Inf\"} " << latency_count_ << "\n";
    out << "hardend_run_duration_seconds_sum " << latency_sum_ << "\n";
    out << "hardend_run_duration_seconds_count " << latency_count_ << "\n";
  }
  header("hardend_pool_containers", "gauge", "Containers of each warm pool by state.");
  for (const auto& pool : pools) {
    std::string labels = "image=\"" + escape_label_value(pool.image) + "\",isolation=\"" + pool.isolation + "\"";
    out << "hardend_pool_containers{" << labels << ",state=\"idle\"} " << pool.idle << "\n";
    out << "hardend_pool_containers{" << labels << ",state=\"busy\"} " << pool.busy << "\n";
    out << "hardend_pool_containers{" << labels << ",state=\"starting\"} " << pool.starting << "\n";
  }
  header("hardend_pools", "gauge", "Warm pools (one per image and resolved policy).");
  out << "hardend_pools " << pools.size() << "\n";
  header("hardend_runs_in_flight", "gauge", "Runs admitted and not finished (executing or queued).");
  out << "hardend_runs_in_flight " << in_flight << "\n";
  header("hardend_runs_queued", "gauge", "Runs waiting for a worker.");
  out << "hardend_runs_queued " << queued << "\n";
  header("hardend_container_starts_total", "counter", "Containers started (warm and one-shot).");
  out << "hardend_container_starts_total " << container_starts_ << "\n";
  header("hardend_container_start_failures_total", "counter", "Container starts that failed.");
  out << "hardend_container_start_failures_total " << container_start_failures_ << "\n";
  header("hardend_containers_removed_total", "counter", "Warm containers removed (used, recycled, idle, drained).");
  out << "hardend_containers_removed_total " << containers_removed_ << "\n";
  header("hardend_containers_recycled_total", "counter",
         "Reused containers replaced early: timeout, OOM, crash or doubtful health.");
  out << "hardend_containers_recycled_total " << recycled_ << "\n";
  header("hardend_reloads_total", "counter", "Config reloads by result.");
  out << "hardend_reloads_total{result=\"ok\"} " << reloads_ok_ << "\n";
  out << "hardend_reloads_total{result=\"rejected\"} " << reloads_rejected_ << "\n";
  header("hardend_checks_total", "counter", "POST /v1/check requests by result.");
  for (auto [outcome, name] : {std::pair{CheckOutcome::passed, "passed"}, std::pair{CheckOutcome::failed, "failed"},
                               std::pair{CheckOutcome::rejected, "rejected"}})
    out << "hardend_checks_total{result=\"" << name << "\"} " << checks_[static_cast<std::size_t>(outcome)] << "\n";
  header("hardend_network_reconciles_total", "counter",
         "server.network.reconcile passes: rules already in place, changed (drift repaired) or failed.");
  for (auto [outcome, name] : {std::pair{ReconcileOutcome::unchanged, "unchanged"},
                               std::pair{ReconcileOutcome::changed, "changed"},
                               std::pair{ReconcileOutcome::failed, "failed"}})
    out << "hardend_network_reconciles_total{result=\"" << name << "\"} "
        << reconciles_[static_cast<std::size_t>(outcome)] << "\n";
  header("hardend_unauthorized_requests_total", "counter", "Requests refused with 401.");
  out << "hardend_unauthorized_requests_total " << unauthorized_ << "\n";
  return out.str();
}

}  // namespace hardend::server
