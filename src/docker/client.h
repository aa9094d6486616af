// Typed Docker Engine API client (also serves Podman's Docker-compatible API). Never shells out.
// Every error names method, path, status and the daemon's message:
//   "POST /containers/create: 404 Not Found: No such image: nosuch:latest"
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "docker/stream.h"
#include "docker/transport.h"

namespace hardend::docker {

struct ContainerExit {
  int64_t status_code = 0;
  std::string error;  // wait's Error.Message, if any
};

class Client {
 public:
  explicit Client(Endpoint endpoint);

  const Endpoint& endpoint() const { return transport_.endpoint(); }

  // GET /_ping, then GET /version: picks min(server ApiVersion, the newest version hardend knows).
  // Called lazily by every other call; a stopped daemon gives "cannot connect to the Docker daemon at ...".
  Result<std::string> negotiate();

  Result<nlohmann::json> version();
  Result<nlohmann::json> info();

  // Images.
  Result<nlohmann::json> inspect_image(const std::string& ref);  // 404 -> "no such image: ref"
  Result<void> import_image(const std::string& tar_path, const std::string& repo, const std::string& tag);
  Result<void> tag_image(const std::string& source, const std::string& repo, const std::string& tag);
  Result<void> remove_image(const std::string& ref, bool force = false);

  // Containers.
  Result<std::string> create_container(const nlohmann::json& body, const std::string& name = "");
  Result<void> start_container(const std::string& id);
  // Attach before start to receive all output. stdin only when the container was created with OpenStdin.
  Result<std::unique_ptr<AttachedStream>> attach_container(const std::string& id, bool with_stdin);
  // Blocks (no timeout) until the container is not running. `condition` is the daemon's wait condition:
  // "not-running" (default: returns at once for a container that already exited, or was never started),
  // "next-exit" (call before start to wait for the first exit) or "removed".
  Result<ContainerExit> wait_container(const std::string& id, const std::string& condition = "not-running");
  // A container that is not running (409 "is not running") counts as killed.
  Result<void> kill_container(const std::string& id, const std::string& signal = "KILL");
  // Also removes anonymous volumes. A missing container is an error for which is_not_found() is true.
  Result<void> remove_container(const std::string& id, bool force = true);
  Result<nlohmann::json> inspect_container(const std::string& id);
  // Containers carrying every label in `labels` ("key" or "key=value"); `all` includes stopped ones.
  Result<nlohmann::json> list_containers(const std::vector<std::string>& labels, bool all = true);
  // Extracts a tar archive into the container's filesystem at `path` (works before start).
  Result<void> put_archive(const std::string& id, const std::string& path, const std::string& tar_bytes);

  // Exec (used by the warm pool and the probe). start_exec attaches to the exec's output (multiplexed unless
  // the exec was created with "Tty": true).
  Result<std::string> create_exec(const std::string& container_id, const nlohmann::json& body);
  Result<std::unique_ptr<AttachedStream>> start_exec(const std::string& exec_id);
  Result<nlohmann::json> inspect_exec(const std::string& exec_id);

  // Networks.
  Result<std::string> create_network(const nlohmann::json& body);
  Result<nlohmann::json> inspect_network(
      const std::string& name);  // 404 -> error mentioning "no such network"
  Result<nlohmann::json> list_networks();
  Result<void> remove_network(const std::string& name);

  // Raw call for anything not typed above. `path` without the version prefix ("/containers/json", a query is
  // fine). A 4xx/5xx answer is an error in the usual format; other answers are returned as they are.
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body = {});

  // The newest Engine API version hardend speaks; negotiate() never picks a newer one.
  static constexpr const char* kMaxApiVersion = "1.41";

 private:
  struct NegotiatedVersion {
    std::mutex mutex;
    std::string api_version;  // empty until negotiated
  };

  Result<std::string> versioned(const std::string& path);
  // Versioned request that turns 4xx/5xx into api_error(); `accepted` lists extra non-2xx statuses that are
  // fine.
  Result<HttpResponse> checked(const std::string& method, const std::string& path,
                               const std::string& body = {}, std::vector<unsigned> accepted = {},
                               std::string_view content_type = "application/json",
                               std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(60));
  Result<std::unique_ptr<AttachedStream>> attach_hijacked(const std::string& path, const std::string& body,
                                                          bool tty);
  Transport transport_;
  // Shared so that Client stays movable (Result<Client>) and copies of it negotiate once.
  std::shared_ptr<NegotiatedVersion> negotiated_ = std::make_shared<NegotiatedVersion>();
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
std::string query_escape(std::string_view value);
// Compares "1.41"-style API versions numerically: negative, zero or positive like strcmp.
int compare_api_versions(std::string_view a, std::string_view b);

// True when `error` came from a 404 (no such container/image/network).
bool is_not_found(const Error& error);

}  // namespace hardend::docker
