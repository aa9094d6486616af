// server.network.reconcile: `hardend serve` keeps the network hardening in place by doing what `hardend net
// apply` does (the same library call: declared networks created, hardend's chains made to match the config in
// one iptables-restore transaction) at start, on every accepted reload, and every
// server.network.reconcile.seconds. A periodic pass that had to change something logs what had drifted.
#pragma once

#include <mutex>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "docker/client.h"
#include "server/log.h"
#include "server/metrics.h"

namespace hardend::server {

class NetworkReconciler {
 public:
  NetworkReconciler(docker::Client& client, Log& log, Metrics& metrics)
      : client_(client), log_(log), metrics_(metrics) {}

  // `when`: "start", "reload" or "periodic" (for the log). An error leaves the rules as they were (the apply is
  // one transaction) and says why; the caller decides whether that stops a start or rejects a reload.
  Status reconcile(const config::Config& config, const std::string& when);

 private:
  docker::Client& client_;
  Log& log_;
  Metrics& metrics_;
  std::mutex mutex_;  // a reload and a periodic pass never apply at the same time
};

}  // namespace hardend::server
