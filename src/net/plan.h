// What `hardend net plan` / `net status` print (pure): the ruleset with the origin of every range and
// address, the declared networks, and the exact payload. The CLI only chooses text or JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/drift.h"
#include "net/facts.h"
#include "net/ruleset.h"

namespace hardend::net {

// Text for `net plan`: "Container ranges", "Host addresses", "Networks", "Notes", then the payload.
std::string describe_plan(const Ruleset& ruleset, const std::string& payload);

// {"container_ranges": [{"range", "origins", "covered_by"}], "host_addresses": [{"address", "interface"}],
//  "networks": [{"name", "bridge", "default", "block": [...], "block_cidrs", "allow_cidrs"}],
//  "rules": {"HARDEND-INPUT": [...], "HARDEND-USER": [...]}, "notes": [...], "payload": "..."}
nlohmann::json plan_to_json(const Ruleset& ruleset, const std::string& payload);

// Engine API body of POST /networks/create for a declared network (never for the default bridge):
// a bridge network whose Linux bridge has the configured name, labelled as hardend's.
nlohmann::json network_create_body(const NetworkPolicy& network);

// Why the daemon's network does not match the declaration ({} when it does). `live` is the daemon's
// network of that name, or nullptr when there is none ("network external does not exist").
std::vector<std::string> network_problems(const NetworkPolicy& declared, const DockerNetworkFacts* live);

}  // namespace hardend::net
