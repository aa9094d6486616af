#include "server/daemon.h"

#include <grp.h>
#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>
#include <variant>

#include "check/check_image.h"
#include "common/strings.h"
#include "policy/image_ref.h"
#include "policy/runtime_facts.h"
#include "runner/oneshot.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/net_reconcile.h"
#include "server/sd_notify.h"

namespace hardend::server {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kCannotStart = 2;
constexpr int kBackgroundThreads = 4;  // container starts and removals
constexpr auto kMaintenancePeriod = std::chrono::seconds(5);
constexpr auto kAfterCancelGrace = std::chrono::seconds(15);

// A config that loads and whose extra keys all parse; else every error as "file:line:col: key: problem".
struct LoadedConfig {
  std::optional<config::Config> config;
  std::vector<config::Diagnostic> diagnostics;
};

LoadedConfig load_and_validate(const ServeOptions& options) {
  auto source = config::choose_config_source(options.config_path);
  auto outcome = config::load_config(source, {.strict = options.strict});
  LoadedConfig loaded{std::move(outcome.config), std::move(outcome.diagnostics)};
  if (!loaded.config) return loaded;
  bool policy_ok = true;
  for (auto& diagnostic : policy::validate_policy_keys(*loaded.config)) {
    policy_ok = policy_ok && diagnostic.severity != config::Severity::Error;
    loaded.diagnostics.push_back(std::move(diagnostic));
  }
  if (!policy_ok) loaded.config.reset();
  return loaded;
}

json diagnostics_json(const std::vector<config::Diagnostic>& diagnostics, config::Severity severity) {
  json out = json::array();
  for (const auto& d : diagnostics)
    if (d.severity == severity) out.push_back(d.str());
  return out;
}

// The token for TCP clients; empty for a unix socket without a token file.
Result<std::string> read_token(const config::Config& config, const ListenAddress& listen) {
  const std::string& path = config.server_token_file.value;
  if (path.empty()) {
    if (listen.kind == ListenAddress::Kind::tcp)
      return Error{"refusing to listen on " + listen.str() +
                   " without a token: set server.token.file to a file holding the bearer token"};
    return std::string();
  }
  std::ifstream in(path);
  if (!in) return Error{"server.token.file: cannot read " + path};
  std::ostringstream text;
  text << in.rdbuf();
  std::string token(trim(text.str()));
  if (token.size() < 16) return Error{"server.token.file: " + path + ": the token must be at least 16 characters"};
  if (token.find_first_of(" \t\r\n") != std::string::npos)
    return Error{"server.token.file: " + path + ": the token must be one line without spaces"};
  return token;
}

Result<std::optional<gid_t>> socket_group(const config::Config& config) {
  const std::string& name = config.server_socket_group.value;
  if (name.empty()) return std::optional<gid_t>{};
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return Error{"server.socket.group: no group named '" + name + "'"};
  return std::optional<gid_t>{found->gr_gid};
}

Result<int> remove_daemon_containers(docker::Client& client, const std::string& listen) {
  auto containers = client.list_containers({runner::kManagedLabel, std::string(kServeLabel) + "=" + listen}, true);
  if (!containers.ok()) return containers.take_error();
  int removed = 0;
  for (const auto& container : *containers) {
    auto status = client.remove_container(container.value("Id", ""), /*force=*/true);
    if (status.ok() || docker::is_not_found(status.error())) ++removed;
  }
  return removed;
}

// Containers of this daemon that a runtime outage left exited, dead or never started (their runs failed,
// their removal failed with the runtime down), created no later than `created_by` (unix seconds: when the
// outage was noticed; nothing can be created while it lasts, and it is noticed at least one ping interval
// before the runtime is seen back): a container of a run started after the outage is never touched.
Result<int> remove_outage_leftovers(docker::Client& client, const std::string& listen, int64_t created_by) {
  auto containers =
      client.list_containers({runner::kManagedLabel, std::string(kServeLabel) + "=" + listen}, true);
  if (!containers.ok()) return containers.take_error();
  int removed = 0;
  for (const auto& container : *containers) {
    const std::string state = container.value("State", "");
    if (state != "exited" && state != "dead" && state != "created") continue;
    if (container.value("Created", int64_t{0}) > created_by) continue;
    auto status = client.remove_container(container.value("Id", ""), /*force=*/true);
    if (status.ok() || docker::is_not_found(status.error())) ++removed;
  }
  return removed;
}

int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `hardend serve` started while the runtime does not answer: retries with backoff (each attempt and the wait
// logged, systemd told STATUS=...), answering every request with 503 "runtime unavailable" meanwhile (over
// TCP the bearer token is still required). Gives the runtime's info once it answers, or an exit code: 0 after
// SIGTERM/SIGINT, 2 when it cannot listen or runtime_wait is over.
std::variant<json, int> wait_for_runtime(docker::Client& client, const std::string& runtime,
                                         const config::Config& config, const ListenAddress& listen,
                                         const std::string& token,
                                         std::optional<std::chrono::seconds> max_wait, Log& log) {
  auto info = client.info();
  if (info.ok()) return std::move(*info);
  const auto started = Clock::now();
  const std::string hint = docker::start_service_hint(runtime, client.endpoint());
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  int attempts = 1;
  std::string problem = info.error().message;

  asio::io_context io;
  HttpServer server(io, [&](HttpRequest request, Respond respond) {
    if (request.over_tcp && !bearer_matches(request.authorization, token))
      return respond(
          error_answer(401, "unauthorized: send Authorization: Bearer <token> (server.token.file)"));
    std::lock_guard lock(mutex);
    respond(HttpAnswer{
        503,
        json{
            {"status", "runtime unavailable"}, {"error", problem}, {"attempts", attempts}, {"retrying", true}}
                .dump(2) +
            "\n"});
  });
  auto group = socket_group(config);
  if (!group.ok()) return log.error("serve.failed", {{"error", group.error().message}}), kCannotStart;
  server.set_max_body(static_cast<std::size_t>(config.server_max_body.value));
  if (auto listening = server.listen(listen, *group); !listening.ok())
    return log.error("serve.failed", {{"error", listening.error().message}}), kCannotStart;
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
          log.info("reload.deferred",
                   {{"why", "waiting for the container runtime; the config is read again at start"}});
          return signals.async_wait(on_signal);
        }
        std::lock_guard lock(mutex);
        stop = true;
        wake.notify_all();
      };
  signals.async_wait(on_signal);
  std::thread loop([&io] { io.run(); });
  auto finish = [&] {
    server.stop_accepting();
    signals.cancel();
    io.stop();
    loop.join();
  };

  for (int attempt = 1;; ++attempt) {
    auto delay = runtime_retry_delay(attempt);
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started);
    if (max_wait && max_wait->count() > 0) {
      if (waited >= *max_wait) {
        finish();
        log.error("serve.failed", {{"error", "the container runtime did not answer within " +
                                                 std::to_string(max_wait->count()) +
                                                 " s (--runtime-wait): " + problem + "; " + hint}});
        return kCannotStart;
      }
      delay = std::min(delay, *max_wait - waited);
    }
    log.error("runtime.unavailable", {{"attempt", attempt},
                                      {"error", problem},
                                      {"hint", hint},
                                      {"retry_in_seconds", delay.count()},
                                      {"waited_seconds", waited.count()}});
    (void)sd_notify("STATUS=waiting for the container runtime (attempt " + std::to_string(attempt) +
                    ", next in " + std::to_string(delay.count()) + " s): " + problem);
    {
      std::unique_lock lock(mutex);
      wake.wait_for(lock, delay, [&] { return stop; });
      if (stop) break;
    }
    info = client.info();
    std::lock_guard lock(mutex);
    attempts = attempt + 1;
    if (info.ok()) break;
    problem = info.error().message;
  }
  finish();
  if (!info.ok()) {
    log.info("serve.stopped", {{"why", "signal while waiting for the container runtime"}});
    return 0;
  }
  log.info(
      "runtime.available",
      {{"attempts", attempts},
       {"waited_seconds", std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()}});
  return std::move(*info);
}

class Daemon {
 public:
  Daemon(const ServeOptions& options, config::Config config, ListenAddress listen, std::string token,
         docker::Client client, policy::RuntimeFacts facts, std::ostream& log_stream)
      : options_(options),
        listen_(std::move(listen)),
        log_(log_stream),
        client_(std::move(client)),
        facts_(facts),
        workers_(static_cast<std::size_t>(config.server_workers.value)),
        worker_count_(config.server_workers.value),
        labels_{{kServeLabel, listen_.str()}},
        pool_env_{client_, background_, labels_, metrics_, log_},
        pools_(pool_env_),
        runs_(client_, pools_, log_, labels_, cancel_all_),
        checks_(client_, labels_, check::locate_probe()),
        serving_(std::make_shared<Serving>(
            Serving{std::make_shared<const config::Config>(std::move(config)), std::move(token), facts})),
        api_(serving_, runs_, checks_, pools_, metrics_, log_, workers_, worker_count_, [this] { return reload(); }),
        server_(io_, [this](HttpRequest request, Respond respond) { api_.handle(std::move(request), std::move(respond)); }),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        maintenance_(io_) {
    log_.set_json(serving_.get()->config->server_log_format.value == "json");
  }

  int run() {
    auto serving = serving_.get();
    // The address first: it is what tells a second instance (started by mistake, or by systemd while one runs
    // by hand) that another one serves here. Only then are this address's containers leftovers: before, they
    // would have been the live instance's pool, busy runs included. Requests wait in the backlog until io_
    // runs.
    auto group = socket_group(*serving->config);
    if (!group.ok()) return fail(group.error().message);
    server_.set_max_body(static_cast<std::size_t>(serving->config->server_max_body.value));
    if (auto listening = server_.listen(listen_, *group); !listening.ok())
      return fail(listening.error().message);
    auto removed = remove_daemon_containers(client_, listen_.str());
    if (!removed.ok()) return fail("cannot list leftover containers: " + removed.error().message);
    if (*removed > 0) log_.warn("leftovers.removed", {{"containers", *removed}, {"label", labels_.begin()->first}});
    if (serving->config->server_network_reconcile.value) {
      if (auto reconciled = reconciler_.reconcile(*serving->config, "start"); !reconciled.ok())
        return fail(reconciled.error().message);
      last_reconcile_ = Clock::now();
    }

    if (!checks_.probe().ok())
      log_.warn("check.unavailable", {{"why", checks_.probe().error().message}, {"route", "POST /v1/check"}});
    warm_default_pool(*serving);
    wait_for_signal();
    schedule_maintenance();
    schedule_runtime_watch();
    log_.info("serve.started", {{"listen", listen_.str()},
                                {"config", serving->config->path.empty() ? "(built-in defaults)" : serving->config->path},
                                {"workers", worker_count_},
                                {"auth", serving->token.empty() ? "unix socket permissions" : "bearer token"}});
    if (auto notified = sd_notify("READY=1\nSTATUS=serving on " + listen_.str()); !notified.ok())
      log_.warn("systemd.notify.failed", {{"error", notified.error().message}});

    io_.run();
    if (drain_thread_.joinable()) drain_thread_.join();
    log_.info("serve.stopped", {{"runs_success", metrics_.runs(RunOutcomeKind::success)}});
    return exit_code_;
  }

 private:
  int fail(const std::string& message) {
    log_.error("serve.failed", {{"error", message}});
    return kCannotStart;
  }

  void warm_default_pool(const Serving& serving) {
    auto image = policy::parse_image_ref(serving.config->python_default_image.value);
    if (!image.ok()) return;
    auto spec = policy::resolve_policy(*serving.config, *image, serving.facts);
    if (!spec.ok()) return;
    auto settings = pool_settings_for(*serving.config, *image);
    pools_.pool_for(*image, *spec, settings, static_cast<std::size_t>(serving.config->output_limit.value))->refill();
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      if (signal == SIGHUP) {
        asio::post(workers_, [this] {
          HttpAnswer answer = reload();
          if (answer.status != 200) log_.warn("reload.sighup.rejected", {{"status", answer.status}});
        });
        return wait_for_signal();
      }
      log_.info("serve.draining", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"},
                                   {"runs_in_flight", api_.in_flight()},
                                   {"deadline_seconds", serving_.get()->config->server_drain_seconds.value}});
      begin_drain();
    });
  }

  void schedule_maintenance() {
    maintenance_.expires_after(kMaintenancePeriod);
    maintenance_.async_wait([this](const boost::system::error_code& error) {
      if (error || draining_) return;
      asio::post(background_, [this] { pools_.reap_idle(); });
      reconcile_when_due();
      schedule_maintenance();
    });
  }

  // Pings the runtime every kRuntimeWatchPeriod (one ping at a time, off the io thread).
  void schedule_runtime_watch() {
    runtime_watch_.expires_after(kRuntimeWatchPeriod);
    runtime_watch_.async_wait([this](const boost::system::error_code& error) {
      if (error || draining_) return;
      if (!runtime_ping_running_.exchange(true))
        asio::post(background_, [this] {
          check_runtime();
          runtime_ping_running_ = false;
        });
      schedule_runtime_watch();
    });
  }

  // On a background thread. Down: /healthz says so, once logged. Back: the pools recover, the outage's exited
  // containers are removed, and how long it took is logged.
  void check_runtime() {
    auto answered = client_.version();
    if (!answered.ok()) {
      if (!runtime_down_) {
        runtime_down_ = true;
        runtime_down_since_ = Clock::now();
        runtime_down_since_unix_ = unix_seconds_now();
        log_.error("runtime.unavailable",
                   {{"error", answered.error().message}, {"runs_in_flight", api_.in_flight()}});
        (void)sd_notify("STATUS=runtime unavailable: " + answered.error().message);
      }
      pools_.runtime_unavailable(answered.error().message);
      return;
    }
    if (!runtime_down_) return;
    runtime_down_ = false;
    pools_.runtime_available();
    // Not the last answer before the outage: a container created between that ping and the outage (a pool
    // refill) would be left behind.
    auto removed = remove_outage_leftovers(client_, listen_.str(), runtime_down_since_unix_);
    const double down_seconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - runtime_down_since_).count() /
        1000.0;
    log_.info("runtime.recovered", {{"down_seconds", down_seconds},
                                    {"leftovers_removed", removed.ok() ? *removed : 0},
                                    {"leftovers_error", removed.ok() ? "" : removed.error().message}});
    (void)sd_notify("STATUS=serving on " + listen_.str());
  }

  // On the io thread (maintenance): one periodic network pass at a time, every server.network.reconcile.seconds.
  void reconcile_when_due() {
    config::ConfigPtr config = serving_.get()->config;
    if (!config->server_network_reconcile.value) return;
    if (Clock::now() - last_reconcile_ < std::chrono::seconds(config->server_network_reconcile_seconds.value)) return;
    if (reconcile_running_.exchange(true)) return;
    last_reconcile_ = Clock::now();
    asio::post(background_, [this, config] {
      (void)reconciler_.reconcile(*config, "periodic");  // logged and counted; the next pass tries again
      reconcile_running_ = false;
    });
  }

  // On the io thread: stop taking work; the rest on a thread of its own so that answers still get written.
  void begin_drain() {
    if (draining_) return;
    draining_ = true;
    (void)sd_notify("STOPPING=1");
    api_.stop_admitting();
    server_.stop_accepting();
    maintenance_.cancel();
    runtime_watch_.cancel();
    signals_.cancel();
    const auto deadline = Clock::now() + std::chrono::seconds(serving_.get()->config->server_drain_seconds.value);
    drain_thread_ = std::thread([this, deadline] { drain(deadline); });
  }

  void drain(Clock::time_point deadline) {
    auto wait_until_idle = [this](Clock::time_point until) {
      while (api_.in_flight() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return api_.in_flight() == 0;
    };
    if (!wait_until_idle(deadline)) {
      log_.warn("serve.drain.deadline", {{"runs_killed", api_.in_flight()}});
      cancel_all_ = true;  // every run's watchdog kills its container
      wait_until_idle(Clock::now() + kAfterCancelGrace);
    }
    pools_.retire_all();
    workers_.join();
    background_.join();
    auto removed = remove_daemon_containers(client_, listen_.str());
    if (!removed.ok()) {
      log_.error("serve.cleanup.failed", {{"error", removed.error().message}});
      exit_code_ = 1;
    } else if (*removed > 0) {
      log_.info("serve.cleanup", {{"containers_removed", *removed}});
    }
    // Let the io thread write the last answers, then stop it.
    const auto writes_deadline = Clock::now() + std::chrono::seconds(5);
    while (server_.answers_pending() > 0 && Clock::now() < writes_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    asio::post(io_, [this] { io_.stop(); });
  }

  HttpAnswer reload() {
    std::lock_guard lock(reload_mutex_);
    LoadedConfig loaded = load_and_validate(options_);
    json warnings = diagnostics_json(loaded.diagnostics, config::Severity::Warning);
    std::string token_error;
    std::string token;
    if (loaded.config) {
      auto read = read_token(*loaded.config, listen_);
      if (read.ok())
        token = std::move(*read);
      else
        token_error = read.error().message;
    }
    auto reject = [&](json errors) {
      metrics_.count_reload(false);
      log_.warn("reload.rejected", {{"errors", errors}});
      return HttpAnswer{422, json{{"error", "config rejected; the previous config keeps serving"},
                                  {"errors", errors},
                                  {"warnings", warnings}}
                                     .dump(2) +
                                 "\n"};
    };
    if (!loaded.config || !token_error.empty()) {
      json errors = diagnostics_json(loaded.diagnostics, config::Severity::Error);
      if (!token_error.empty()) errors.push_back(token_error);
      return reject(errors);
    }
    // Network rules first: when they cannot be applied, nothing of the new config takes effect.
    if (loaded.config->server_network_reconcile.value)
      if (auto reconciled = reconciler_.reconcile(*loaded.config, "reload"); !reconciled.ok())
        return reject(json::array({reconciled.error().message}));
    auto next = std::make_shared<const config::Config>(std::move(*loaded.config));
    if (next->server_listen.value != serving_.get()->config->server_listen.value && !options_.listen)
      log_.warn("reload.listen.unchanged", {{"why", "server.listen changes take a restart"}});
    serving_.set(std::make_shared<Serving>(Serving{next, token, facts_}));
    log_.set_json(next->server_log_format.value == "json");
    server_.set_max_body(static_cast<std::size_t>(next->server_max_body.value));
    int retired = pools_.apply([&next, this](const Pool& pool) -> Result<std::pair<std::string, PoolSettings>> {
      auto spec = policy::resolve_policy(*next, pool.image(), facts_);
      if (!spec.ok()) return spec.take_error();
      auto settings = pool_settings_for(*next, pool.image());
      return std::pair{pool_key(*spec, settings.isolation, static_cast<std::size_t>(next->output_limit.value)),
                       settings};
    });
    warm_default_pool(*serving_.get());
    metrics_.count_reload(true);
    log_.info("reload.ok", {{"config", next->path}, {"pools_retired", retired}});
    return HttpAnswer{200, json{{"reloaded", true},
                                {"config", next->path.empty() ? "(built-in defaults)" : next->path},
                                {"pools_retired", retired},
                                {"warnings", warnings}}
                               .dump(2) +
                               "\n"};
  }

  const ServeOptions& options_;
  const ListenAddress listen_;
  Log log_;
  Metrics metrics_;
  docker::Client client_;
  const policy::RuntimeFacts facts_;
  asio::io_context io_;
  // While draining nothing may be pending on the loop (no accept, no timer) while runs still owe answers: the
  // loop runs until the drain stops it.
  asio::executor_work_guard<asio::io_context::executor_type> keep_loop_{io_.get_executor()};
  asio::thread_pool background_{kBackgroundThreads};
  asio::thread_pool workers_;
  const int64_t worker_count_;
  std::atomic<bool> cancel_all_{false};
  std::map<std::string, std::string> labels_;
  PoolEnvironment pool_env_;
  PoolManager pools_;
  RunService runs_;
  CheckService checks_;
  ServingHolder serving_;
  Api api_;
  HttpServer server_;
  asio::signal_set signals_;
  asio::steady_timer maintenance_;
  asio::steady_timer runtime_watch_{io_};
  std::atomic<bool> runtime_ping_running_{false};
  bool runtime_down_ = false;  // the runtime pings' own (one at a time)
  Clock::time_point runtime_down_since_{};
  int64_t runtime_down_since_unix_ = 0;
  NetworkReconciler reconciler_{client_, log_, metrics_};
  Clock::time_point last_reconcile_{};  // the maintenance timer's (io thread's) own
  std::atomic<bool> reconcile_running_{false};
  std::mutex reload_mutex_;
  std::atomic<bool> draining_{false};
  std::thread drain_thread_;
  int exit_code_ = 0;
};

}  // namespace

std::chrono::seconds runtime_retry_delay(int attempt) {
  constexpr int64_t kMaxSeconds = 15;
  if (attempt <= 1) return std::chrono::seconds(1);
  if (attempt > 5) return std::chrono::seconds(kMaxSeconds);
  return std::chrono::seconds(std::min<int64_t>(int64_t{1} << (attempt - 1), kMaxSeconds));
}

int serve(const ServeOptions& options, std::ostream& log_stream) {
  Log log(log_stream);
  LoadedConfig loaded = load_and_validate(options);
  for (const auto& diagnostic : loaded.diagnostics)
    log_stream << (diagnostic.severity == config::Severity::Error ? "error: " : "warning: ") << diagnostic.str()
               << "\n";
  if (!loaded.config) return kCannotStart;
  log.set_json(loaded.config->server_log_format.value == "json");

  auto listen = parse_listen_address(options.listen.value_or(loaded.config->server_listen.value));
  if (!listen.ok()) return log.error("serve.failed", {{"error", listen.error().message}}), kCannotStart;
  auto token = read_token(*loaded.config, *listen);
  if (!token.ok()) return log.error("serve.failed", {{"error", token.error().message}}), kCannotStart;

  const std::string& runtime = loaded.config->runtime.value;
  auto endpoint = docker::Endpoint::for_runtime(runtime);
  if (!endpoint.ok()) return log.error("serve.failed", {{"error", endpoint.error().message}}), kCannotStart;
  docker::Client client(*endpoint);
  auto info = wait_for_runtime(client, runtime, *loaded.config, *listen, *token, options.runtime_wait, log);
  if (const int* exit_code = std::get_if<int>(&info)) return *exit_code;
  // On Podman also this host's hard rlimits, within which nofile/nproc must stay (docs/PODMAN.md).
  policy::RuntimeFacts facts =
      policy::facts_from_info(runtime, std::get<json>(info), policy::read_host_limits());

  Daemon daemon(options, std::move(*loaded.config), std::move(*listen), std::move(*token), std::move(client), facts,
                log_stream);
  return daemon.run();
}

}  // namespace hardend::server
