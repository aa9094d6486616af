// ContainerSpec -> Docker Engine API body for POST /containers/create (Config + HostConfig). Pure.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policy/spec.h"

namespace hardend::policy {

struct CreateRequest {
  std::vector<std::string> cmd;                     // Cmd
  std::vector<std::string> entrypoint;              // Entrypoint (empty: image default)
  std::map<std::string, std::string> extra_labels;  // io.hardend.* run labels
  bool attach_stdin = false;                        // OpenStdin + StdinOnce + AttachStdin
  std::vector<std::string> binds;                   // read-only binds hardend itself needs (e.g. the probe)
  std::string working_dir;
};

nlohmann::json render_create_body(const ContainerSpec& spec, const CreateRequest& request);

}  // namespace hardend::policy
