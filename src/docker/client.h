// Typed Docker Engine API client (also serves Podman's Docker-compatible API). Never shells out.
// Every error names method, path, status and the daemon's message:
//   "POST /containers/create: 404 Not Found: No such image: nosuch:latest"
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
  Result<ContainerExit> wait_container(const std::string& id);  // blocks until the container exits
  Result<void> kill_container(const std::string& id, const std::string& signal = "KILL");
  Result<void> remove_container(const std::string& id, bool force = true);
  Result<nlohmann::json> inspect_container(const std::string& id);
  // Containers carrying every label in `labels` ("key" or "key=value"); `all` includes stopped ones.
  Result<nlohmann::json> list_containers(const std::vector<std::string>& labels, bool all = true);
  // Extracts a tar archive into the container's filesystem at `path` (works before start).
  Result<void> put_archive(const std::string& id, const std::string& path, const std::string& tar_bytes);

  // Exec (used by the warm pool and the probe).
  Result<std::string> create_exec(const std::string& container_id, const nlohmann::json& body);
  Result<std::unique_ptr<AttachedStream>> start_exec(const std::string& exec_id);
  Result<nlohmann::json> inspect_exec(const std::string& exec_id);

  // Networks.
  Result<std::string> create_network(const nlohmann::json& body);
  Result<nlohmann::json> inspect_network(const std::string& name);  // 404 -> error mentioning "no such network"
  Result<nlohmann::json> list_networks();
  Result<void> remove_network(const std::string& name);

  // Raw call for anything not typed above. `path` without the version prefix ("/containers/json").
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body = {});

 private:
  Result<std::string> versioned(const std::string& path);
  Transport transport_;
  std::string api_version_;  // empty until negotiated
};

// True when `error` came from a 404 (no such container/image/network).
bool is_not_found(const Error& error);

}  // namespace hardend::docker
