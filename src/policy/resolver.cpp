#include "policy/resolver.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/strings.h"
#include "common/units.h"
#include "policy/docker_flags.h"

namespace hardend::policy {
namespace {

constexpr std::string_view kExtraKeys = "python.pass.extra.keys";
constexpr std::string_view kIgnoreKey = "docker.run.internal.asuser.ignore";
constexpr int64_t kDefaultPidsLimit = 256;
const Ulimit kDefaultNofile{"nofile", 1024, 8192};

// The extra-keys value that applies to one image, and where it was written.
struct ChosenExtraKeys {
  std::string key;  // "python.pass.extra.keys.demisto/dl" or "python.pass.extra.keys"
  std::string raw;
  config::Location location;
};

// The names under which an image may appear in a key: as given, and Docker Hub's short form
// ("docker.io/library/python" is also "library/python" and "python").
std::vector<std::string> candidate_names(const ImageRef& image) {
  std::vector<std::string> names{image.name()};
  if (image.registry == "docker.io" || image.registry == "index.docker.io" ||
      image.registry == "registry-1.docker.io") {
    names.push_back(image.path);
    if (image.path.starts_with("library/")) names.push_back(image.path.substr(8));
  }
  return names;
}

// Most specific wins: name@digest, then name:tag (an image without a tag is :latest), then name (all tags).
std::optional<ChosenExtraKeys> image_specific_extra_keys(const config::Config& config,
                                                         const ImageRef& image) {
  const auto& per_image = config.image_extra_keys;
  auto find = [&](const std::string& suffix) -> std::optional<ChosenExtraKeys> {
    auto it = per_image.find(suffix);
    if (it == per_image.end()) return std::nullopt;
    return ChosenExtraKeys{std::string(kExtraKeys) + "." + suffix, it->second.value, it->second.location};
  };
  std::vector<std::string> suffixes;
  for (const std::string& name : candidate_names(image))
    if (!image.digest.empty()) suffixes.push_back(name + "@" + image.digest);
  for (const std::string& name : candidate_names(image))
    if (!image.tag.empty()) suffixes.push_back(name + ":" + image.tag);
  for (const std::string& name : candidate_names(image)) suffixes.push_back(name);
  for (const std::string& suffix : suffixes)
    if (auto chosen = find(suffix)) return chosen;
  return std::nullopt;
}

std::optional<ChosenExtraKeys> choose_extra_keys(const config::Config& config, const ImageRef& image) {
  if (auto specific = image_specific_extra_keys(config, image)) return specific;
  if (config.extra_keys.value)
    return ChosenExtraKeys{std::string(kExtraKeys), *config.extra_keys.value, config.extra_keys.location};
  return std::nullopt;
}

Error with_key_context(const Error& error, const config::Location& location, const std::string& key) {
  std::string where = location.str();
  return error.context(where.empty() ? key : where + ": " + key);
}

// "default" + "python.pass.extra.keys" -> "default + python.pass.extra.keys": a list built from two places.
std::string combine_sources(const std::string& base, const std::string& added) {
  if (base.empty() || base == added) return added;
  return base + " + " + added;
}

int64_t cpus_to_nano(double cpus) {
  return static_cast<int64_t>(std::llround(cpus * 1e9));
}

bool image_is_ignored(const config::Config& config, const ImageRef& image) {
  std::vector<std::string> references{image.full()};
  for (const std::string& name : candidate_names(image))
    if (name != image.name()) references.push_back(ImageRef{"", name, image.tag, image.digest, false}.full());
  for (const std::string& prefix : config.asuser_ignore.value) {
    std::string_view wanted = trim(prefix);
    if (wanted.empty()) continue;
    for (const std::string& reference : references)
      if (reference.starts_with(wanted)) return true;
  }
  return false;
}

// The steps of resolve_policy: each fills some fields of the spec from the config and the chosen extra keys.
class Resolution {
 public:
  Resolution(const config::Config& config, const ImageRef& image, const RuntimeFacts& facts,
             const DockerRunOptions& options, std::string options_key, config::Location options_location)
      : config_(config),
        image_(image),
        facts_(facts),
        options_(options),
        key_(std::move(options_key)),
        location_(std::move(options_location)) {}

  Result<ContainerSpec> run() {
    spec_.image = image_.full();
    spec_.runtime = facts_.runtime;
    resolve_user();
    resolve_memory();
    if (Status swap = resolve_swap(); !swap) return with_key_context(swap.error(), location_, key_);
    resolve_cpu();
    resolve_pids();
    resolve_ulimits();
    HARDEND_TRY_VOID(resolve_capabilities());
    resolve_security_options();
    resolve_filesystem();
    resolve_network_env_labels();
    resolve_unsafe();
    if (facts_.runtime == "podman") {
      if (config_.podman_limits_enforce.value) {
        if (Status enforced = enforce_podman_limits(); !enforced)
          return with_key_context(enforced.error(), config_.podman_limits_enforce.location,
                                  "podman.limits.enforce");
      } else {
        leave_out_podman_limits();
      }
      fit_podman_rlimits();
    }
    return std::move(spec_);
  }

 private:
  // An explicit --user in the extra keys wins (root forms only get there through docker.run.allow.unsafe).
  void resolve_user() {
    if (options_.user) {
      spec_.user = {options_.user, key_};
    } else if (!config_.run_as_user.value) {
      spec_.user = {std::nullopt, config_.run_as_user.source};
    } else if (image_is_ignored(config_, image_)) {
      spec_.user = {std::nullopt, std::string(kIgnoreKey)};
    } else {
      spec_.user = {config_.user.value, config_.user.source};
    }
  }

  // An explicit per-image (or general) --memory is an explicit limit: it applies even when
  // limit.docker.memory is false, because the operator asked for that limit by name.
  void resolve_memory() {
    if (options_.memory)
      spec_.memory = {options_.memory, key_};
    else if (config_.limit_memory.value)
      spec_.memory = {config_.memory_limit.value, config_.memory_limit.source};
    else
      spec_.memory = {std::nullopt, config_.limit_memory.source};
  }

  // DESIGN.md section 2: swap equals memory where the daemon can limit it, -1 (reported) where it cannot;
  // an explicit --memory-swap wins.
  Status resolve_swap() {
    const auto& memory = spec_.memory.value;
    if (options_.memory_swap) {
      int64_t swap = *options_.memory_swap;
      if (swap != -1 && !memory)
        return make_error("--memory-swap=" + format_size(swap) +
                          " needs a memory limit (docker refuses it alone)");
      if (swap != -1 && swap < *memory)
        return make_error("--memory-swap=" + format_size(swap) + " is below the memory limit " +
                          format_size(*memory) + " (from " + spec_.memory.source +
                          "); memory-swap counts memory plus swap, or is -1 for unlimited swap");
      spec_.memory_swap = {swap, key_};
      if (swap != -1 && !facts_.swap_limit_supported)
        spec_.notes.push_back(
            "swap limit from " + key_ +
            " not enforced: the daemon reports no swap-limit support (memory is still limited)");
      return {};
    }
    if (!memory) {
      spec_.memory_swap = {std::nullopt, spec_.memory.source};
    } else if (facts_.swap_limit_supported) {
      spec_.memory_swap = {memory, spec_.memory.source};
    } else {
      spec_.memory_swap = {-1, "docker info: SwapLimit=false"};
      spec_.notes.push_back(
          "swap not limited: the daemon reports no swap-limit support; memory is limited without swap "
          "accounting");
    }
    return {};
  }

  void resolve_cpu() {
    if (options_.cpus)
      spec_.nano_cpus = {cpus_to_nano(*options_.cpus), key_};
    else if (config_.limit_cpu.value)
      spec_.nano_cpus = {cpus_to_nano(config_.cpu_limit.value), config_.cpu_limit.source};
    else
      spec_.nano_cpus = {std::nullopt, config_.limit_cpu.source};
  }

  void resolve_pids() {
    if (!options_.pids_limit)
      spec_.pids_limit = {kDefaultPidsLimit, "default"};
    else if (*options_.pids_limit <= 0)
      spec_.pids_limit = {std::nullopt, key_};
    else
      spec_.pids_limit = {options_.pids_limit, key_};
  }

  void resolve_ulimits() {
    std::vector<Ulimit> ulimits{kDefaultNofile};
    for (const Ulimit& ulimit : options_.ulimits) {
      std::erase_if(ulimits, [&](const Ulimit& u) { return u.name == ulimit.name; });
      ulimits.push_back(ulimit);
    }
    bool overrides_default = std::any_of(options_.ulimits.begin(), options_.ulimits.end(),
                                         [](const Ulimit& u) { return u.name == kDefaultNofile.name; });
    std::string source = options_.ulimits.empty() ? "default"
                         : overrides_default      ? key_
                                                  : combine_sources("default", key_);
    spec_.ulimits = {ulimits, source};
  }

  // The kept capabilities pass the same safety check as --cap-add: keeping SYS_ADMIN needs the allow key too.
  Status resolve_capabilities() {
    std::vector<std::string> add;
    std::string add_source = "default";
    if (config_.drop_all_capabilities.value) {
      spec_.cap_drop = {{"ALL"}, config_.drop_all_capabilities.source};
      for (const std::string& cap : config_.keep_capabilities.value) {
        auto checked =
            parse_docker_run_options("--cap-add=" + cap, FlagParseOptions{config_.allow_unsafe.value});
        if (!checked)
          return with_key_context(checked.error(), config_.keep_capabilities.location,
                                  config_.keep_capabilities.source);
        for (const std::string& flag : checked->allowed_unsafe)
          spec_.notes.push_back("unsafe: " + flag + " from " + config_.keep_capabilities.source +
                                " applied because docker.run.allow.unsafe allows it");
        add.push_back(checked->cap_add.front());
      }
      add_source = config_.keep_capabilities.source;
    } else {
      spec_.cap_drop = {options_.cap_drop,
                        options_.cap_drop.empty() ? config_.drop_all_capabilities.source : key_};
    }
    const size_t kept_count = add.size();
    for (const std::string& cap : options_.cap_add)
      if (std::find(add.begin(), add.end(), cap) == add.end()) add.push_back(cap);
    if (!options_.cap_add.empty()) add_source = kept_count == 0 ? key_ : combine_sources(add_source, key_);
    spec_.cap_add = {add, add_source};
    return {};
  }

  void resolve_security_options() {
    std::vector<std::string> opts;
    std::string source = config_.no_new_privileges.source;
    bool nnp_off = std::find(options_.security_opt.begin(), options_.security_opt.end(),
                             "no-new-privileges=false") != options_.security_opt.end();
    if (config_.no_new_privileges.value && !nnp_off) opts.push_back("no-new-privileges");
    if (!options_.security_opt.empty()) source = opts.empty() ? key_ : combine_sources(source, key_);
    for (const std::string& opt : options_.security_opt)
      if (std::find(opts.begin(), opts.end(), opt) == opts.end()) opts.push_back(opt);
    spec_.security_opt = {opts, source};
  }

  void resolve_filesystem() {
    spec_.read_only = options_.read_only
                          ? Field<bool>{*options_.read_only, key_}
                          : Field<bool>{config_.read_only_root.value, config_.read_only_root.source};
    std::vector<TmpfsMount> mounts;
    for (const std::string& text : config_.tmpfs.value) {
      size_t colon = text.find(':');
      mounts.push_back({text.substr(0, colon), colon == std::string::npos ? "" : text.substr(colon + 1)});
    }
    std::string source = config_.tmpfs.source;
    for (const TmpfsMount& mount : options_.tmpfs)
      std::erase_if(mounts, [&](const TmpfsMount& m) { return m.path == mount.path; });
    if (!options_.tmpfs.empty()) source = mounts.empty() ? key_ : combine_sources(source, key_);
    mounts.insert(mounts.end(), options_.tmpfs.begin(), options_.tmpfs.end());
    spec_.tmpfs = {mounts, source};
  }

  void resolve_network_env_labels() {
    spec_.network =
        options_.network ? Field<std::string>{*options_.network, key_} : Field<std::string>{"bridge"};
    if (!options_.env.empty()) spec_.env = {options_.env, key_};
    if (!options_.labels.empty()) spec_.labels = {options_.labels, key_};
    if (options_.shm_size) spec_.shm_size = {options_.shm_size, key_};
    if (options_.stop_timeout) spec_.stop_timeout = {options_.stop_timeout, key_};
  }

  // Isolation-breaking flags only reach here when docker.run.allow.unsafe named them: apply them, and say so.
  void resolve_unsafe() {
    if (options_.privileged.value_or(false)) spec_.privileged = {true, key_};
    if (!options_.host_namespaces.empty()) spec_.host_namespaces = {options_.host_namespaces, key_};
    if (!options_.devices.empty()) spec_.devices = {options_.devices, key_};
    if (!options_.binds.empty()) spec_.binds = {options_.binds, key_};
    for (const std::string& flag : options_.allowed_unsafe)
      spec_.notes.push_back("unsafe: " + flag + " from " + key_ +
                            " applied because docker.run.allow.unsafe allows it");
  }

  // The hardening guide: the settings apply to Podman "with the exception of limiting available memory,
  // limiting available CPU, and limiting PIDS".
  void leave_out_podman_limits() {
    const std::string reason =
        " (the hardening guide: Podman hosts may not support it; podman.limits.enforce=true applies it)";
    if (spec_.memory.value) spec_.notes.push_back("podman: memory limit left out" + reason);
    if (spec_.nano_cpus.value) spec_.notes.push_back("podman: CPU limit left out" + reason);
    if (spec_.pids_limit.value) spec_.notes.push_back("podman: PIDs limit left out" + reason);
    spec_.memory = {std::nullopt, "runtime podman"};
    spec_.memory_swap = {std::nullopt, "runtime podman"};
    spec_.nano_cpus = {std::nullopt, "runtime podman"};
    spec_.pids_limit = {std::nullopt, "runtime podman"};
  }

  // podman.limits.enforce: keep the limits, but only where the Podman host can apply them; running without a
  // limit the operator asked for would be a silent weakening.
  Status enforce_podman_limits() {
    std::vector<std::string> unsupported;
    if (spec_.memory.value && !facts_.memory_limit_supported) unsupported.push_back("memory");
    if (spec_.nano_cpus.value && !facts_.cpu_limit_supported) unsupported.push_back("CPU");
    if (spec_.pids_limit.value && !facts_.pids_limit_supported) unsupported.push_back("PIDs");
    if (!unsupported.empty())
      return make_error("the Podman host cannot apply the " + join(unsupported, ", ") + " limit" +
                        (unsupported.size() > 1 ? "s" : "") + " (" +
                        (facts_.limits_unsupported_reason.empty() ? std::string("its /info says so")
                                                                  : facts_.limits_unsupported_reason) +
                        "); use rootful Podman or cgroup v2 with delegation, or set podman.limits.enforce to "
                        "false to leave them out as the hardening guide allows");
    spec_.notes.push_back("podman: memory, CPU and PIDs limits applied (podman.limits.enforce=true from " +
                          config_.podman_limits_enforce.source + ")");
    return {};
  }

  // Podman gives every container nofile and nproc of 1048576 unless told otherwise; above the hard limits of
  // the Podman service (root without CAP_SYS_RESOURCE cannot raise them) the OCI runtime fails with "error
  // setting rlimit type 6: operation not permitted". So on Podman both rlimits are always set, within the host's.
  void fit_podman_rlimits() {
    std::vector<Ulimit> ulimits = spec_.ulimits.value;
    bool changed = false;
    auto fit = [&](const std::string& name, const std::optional<int64_t>& ceiling) {
      auto it = std::find_if(ulimits.begin(), ulimits.end(), [&](const Ulimit& u) { return u.name == name; });
      if (!ceiling) {
        if (it == ulimits.end())
          spec_.notes.push_back("podman: " + name + " rlimit not set and this host's hard limit is unknown: "
                                "Podman's default (1048576) applies and may make the OCI runtime fail");
        return;
      }
      if (it == ulimits.end()) {
        ulimits.push_back({name, *ceiling, *ceiling});
        changed = true;
        spec_.notes.push_back("podman: " + name + " rlimit set to " + std::to_string(*ceiling) + ":" +
                              std::to_string(*ceiling) +
                              " (this host's hard limit), instead of Podman's default of 1048576 that the OCI "
                              "runtime cannot set here (\"error setting rlimit\")");
        return;
      }
      if (it->soft <= *ceiling && it->hard <= *ceiling) return;
      std::string before = std::to_string(it->soft) + ":" + std::to_string(it->hard);
      it->soft = std::min(it->soft, *ceiling);
      it->hard = std::min(it->hard, *ceiling);
      changed = true;
      spec_.notes.push_back("podman: " + name + " rlimit " + before + " clamped to " + std::to_string(it->soft) +
                            ":" + std::to_string(it->hard) +
                            " (this host's hard limit; the OCI runtime cannot raise a limit above it)");
    };
    fit("nofile", facts_.host_nofile_hard);
    fit("nproc", facts_.host_nproc_hard);
    if (changed) spec_.ulimits = {ulimits, combine_sources(spec_.ulimits.source, "runtime podman")};
  }

  const config::Config& config_;
  const ImageRef& image_;
  const RuntimeFacts& facts_;
  const DockerRunOptions& options_;
  const std::string key_;            // the extra-keys key the options came from, or "default"
  const config::Location location_;  // where that key is written
  ContainerSpec spec_;
};

FlagParseOptions flag_options(const config::Config& config) {
  return {config.allow_unsafe.value};
}

}  // namespace

Result<ContainerSpec> resolve_policy(const config::Config& config, const ImageRef& image,
                                     const RuntimeFacts& facts) {
  if (facts.runtime != "docker" && facts.runtime != "podman")
    return make_error("unknown container runtime '" + facts.runtime + "'; expected docker or podman");
  DockerRunOptions options;
  auto chosen = choose_extra_keys(config, image);
  if (chosen) {
    auto parsed = parse_docker_run_options(chosen->raw, flag_options(config));
    if (!parsed) return with_key_context(parsed.error(), chosen->location, chosen->key);
    options = std::move(parsed).value();
  }
  return Resolution(config, image, facts, options, chosen ? chosen->key : "default",
                    chosen ? chosen->location : config::Location{})
      .run();
}

std::string extra_keys_source(const config::Config& config, const ImageRef& image) {
  auto chosen = choose_extra_keys(config, image);
  return chosen ? chosen->key : "";
}

std::vector<std::string> images_named_in_config(const config::Config& config) {
  std::vector<std::string> images;
  for (const auto& [suffix, setting] : config.image_extra_keys) images.push_back(suffix);
  return images;
}

namespace {

// A per-image --network must name a network hardend knows the rules of (issue 4).
std::optional<std::string> undeclared_network_problem(const config::Config& config,
                                                      const DockerRunOptions& options) {
  if (!options.network) return std::nullopt;
  const std::string& network = *options.network;
  // Docker's own networks; host and container:ID only get here when docker.run.allow.unsafe allows them.
  if (network == "bridge" || network == "none" || network == "default" || network == "host" ||
      network.starts_with("container:"))
    return std::nullopt;
  std::vector<std::string> declared;
  for (const config::NetworkDecl& decl : config.networks) {
    if (decl.name == network) return std::nullopt;
    declared.push_back(decl.name);
  }
  std::string message = "--network=" + network + " names no declared network";
  if (auto suggestion = closest_match(network, declared)) message += " (did you mean " + *suggestion + "?)";
  message += "; declare it in network.networks (with its bridge and blocks) or use bridge or none";
  if (!declared.empty()) message += " (declared: " + join(declared, ", ") + ")";
  return message;
}

}  // namespace

std::vector<config::Diagnostic> validate_policy_keys(const config::Config& config) {
  std::vector<config::Diagnostic> diagnostics;
  auto report = [&](const config::Location& location, const std::string& key, const std::string& message) {
    diagnostics.push_back(config::Diagnostic{config::Severity::Error, location, key, message});
  };
  auto check = [&](const std::string& raw, const config::Location& location, const std::string& key) {
    auto parsed = parse_docker_run_options(raw, flag_options(config));
    if (!parsed) {
      report(location, key, parsed.error().message);
    } else if (auto problem = undeclared_network_problem(config, *parsed)) {
      report(location, key, *problem);
    }
  };
  if (config.extra_keys.value)
    check(*config.extra_keys.value, config.extra_keys.location, std::string(kExtraKeys));
  for (const auto& [suffix, setting] : config.image_extra_keys) {
    std::string key = std::string(kExtraKeys) + "." + suffix;
    if (auto image = parse_image_ref(suffix); !image) report(setting.location, key, image.error().message);
    check(setting.value, setting.location, key);
  }
  return diagnostics;
}

}  // namespace hardend::policy
