// Builds Config snapshots for policy tests without the config parser: each setter marks the value as coming
// from its key at "d1.conf:<line>:3", as parse_config would.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace hardend::policy::test {

template <class T>
void set_key(config::Setting<T>& setting, T value, const std::string& key, int line) {
  setting.value = std::move(value);
  setting.source = key;
  setting.location = config::Location{"d1.conf", line, 3};
}

class TestConfig {
 public:
  TestConfig& general_extra_keys(const std::string& value, int line = 2) {
    set_key(config_.extra_keys, std::optional<std::string>(value), "python.pass.extra.keys", line);
    return *this;
  }
  TestConfig& image_extra_keys(const std::string& image, const std::string& value, int line = 3) {
    set_key(config_.image_extra_keys[image], value, "python.pass.extra.keys." + image, line);
    return *this;
  }
  // A network declared in network.networks (a per-image --network must name one, issue 4).
  TestConfig& declare_network(const std::string& name, const std::string& bridge) {
    config::NetworkDecl network;
    network.name = name;
    network.bridge = bridge;
    network.block = {"host"};
    config_.networks.push_back(network);
    return *this;
  }
  TestConfig& run_as_user(bool value) {
    set_key(config_.run_as_user, value, "docker.run.internal.asuser", 4);
    return *this;
  }
  TestConfig& user(const std::string& value) {
    set_key(config_.user, value, "docker.run.internal.asuser.user", 5);
    return *this;
  }
  TestConfig& asuser_ignore(std::vector<std::string> prefixes) {
    set_key(config_.asuser_ignore, std::move(prefixes), "docker.run.internal.asuser.ignore", 6);
    return *this;
  }
  TestConfig& limit_memory(bool value) {
    set_key(config_.limit_memory, value, "limit.docker.memory", 8);
    return *this;
  }
  TestConfig& memory_limit(int64_t bytes) {
    set_key(config_.memory_limit, bytes, "docker.memory.limit", 9);
    return *this;
  }
  TestConfig& limit_cpu(bool value) {
    set_key(config_.limit_cpu, value, "limit.docker.cpu", 10);
    return *this;
  }
  TestConfig& cpu_limit(double cpus) {
    set_key(config_.cpu_limit, cpus, "docker.cpu.limit", 11);
    return *this;
  }
  TestConfig& drop_all_capabilities(bool value) {
    set_key(config_.drop_all_capabilities, value, "docker.run.capabilities.drop.all", 12);
    return *this;
  }
  TestConfig& keep_capabilities(std::vector<std::string> caps) {
    set_key(config_.keep_capabilities, std::move(caps), "docker.run.capabilities.keep", 13);
    return *this;
  }
  TestConfig& no_new_privileges(bool value) {
    set_key(config_.no_new_privileges, value, "docker.run.no.new.privileges", 14);
    return *this;
  }
  TestConfig& read_only_root(bool value) {
    set_key(config_.read_only_root, value, "docker.run.read.only", 15);
    return *this;
  }
  TestConfig& tmpfs(std::vector<std::string> mounts) {
    set_key(config_.tmpfs, std::move(mounts), "docker.run.tmpfs", 16);
    return *this;
  }
  TestConfig& allow_unsafe(std::vector<std::string> flags) {
    set_key(config_.allow_unsafe, std::move(flags), "docker.run.allow.unsafe", 17);
    return *this;
  }
  const config::Config& get() const { return config_; }
  operator const config::Config&() const { return config_; }  // NOLINT: a builder stands in for its product

 private:
  config::Config config_ = config::default_config();
};

}  // namespace hardend::policy::test
