// The config the daemon-side harnesses serve with: per-image extra keys, pool keys and networks, so that
// policy lookups and run/check bodies reach the per-image branches. Parsed once per process.
#pragma once

#include "config/config.h"
#include "fuzz_check.h"

namespace hardend::fuzz {

inline const config::Config& serving_config() {
  static const config::Config config = [] {
    constexpr const char* kText = R"({
      "docker.run.internal.asuser.ignore": "demisto/python3:",
      "python.pass.extra.keys": "--pids-limit=256##--ulimit=nofile=1024:8192",
      "python.pass.extra.keys.demisto/dl": "--memory=2g##--pids-limit=256",
      "python.pass.extra.keys.demisto/dl:1.4": "--memory=4g",
      "python.pass.extra.keys.demisto/boto3py3": "--network=aws-metadata",
      "containers.high.water.mark.demisto/dl": 4,
      "containers.isolation.hardend/python:3.11": "reuse",
      "python.default.image": "hardend/python:3.11",
      "network.networks": {"aws-metadata": {"bridge": "docker-metadata", "block": ["host"]}}
    })";
    auto outcome = config::parse_config(kText, "serving.conf");
    require(outcome.ok(), "the harness's serving config parses");
    return *outcome.config;
  }();
  return config;
}

}  // namespace hardend::fuzz
