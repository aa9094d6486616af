#include "server/net_reconcile.h"

#include "net/orchestrate.h"

namespace hardend::server {

Status NetworkReconciler::reconcile(const config::Config& config, const std::string& when) {
  std::lock_guard lock(mutex_);
  auto applied = net::apply_network_hardening(config, client_, net::ApplyOptions{});
  if (!applied.ok()) {
    metrics_.count_network_reconcile(Metrics::ReconcileOutcome::failed);
    log_.error("network.reconcile.failed", {{"when", when}, {"error", applied.error().message}});
    return applied.take_error().context("network reconciliation (server.network.reconcile)");
  }
  for (const auto& warning : applied->warnings) log_.warn("network.reconcile.warning", {{"when", when}, {"warning", warning}});
  if (!applied->changed()) {
    metrics_.count_network_reconcile(Metrics::ReconcileOutcome::unchanged);
    return {};
  }
  metrics_.count_network_reconcile(Metrics::ReconcileOutcome::changed);
  nlohmann::json fields{{"when", when},
                        {"networks_created", applied->created_networks},
                        {"drift", net::to_json(applied->rules.before)}};
  if (when == "periodic")
    log_.warn("network.drift.repaired", fields);
  else
    log_.info("network.reconciled", fields);
  return {};
}

}  // namespace hardend::server
