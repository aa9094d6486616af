// network.networks (issue 4): the Docker networks hardend creates, each with its bridge name and its blocks.
#include "common/strings.h"
#include "config/value_reader.h"
#include "config/values.h"

namespace hardend::config {
namespace {

std::optional<std::string> read_bridge(ValueReader& reader, const std::string& key, const JsonNode& node) {
  auto bridge = reader.to_string(key, node, "a bridge name such as \"docker-external\"");
  if (!bridge) return std::nullopt;
  if (auto status = validate_interface_name(*bridge); !status) {
    reader.error(node.position, key, status.error().message);
    return std::nullopt;
  }
  if (*bridge == "docker0") {
    reader.error(node.position, key,
                 "docker0 is Docker's default bridge; configure it with network.default.block");
    return std::nullopt;
  }
  return bridge;
}

std::optional<NetworkDecl> read_network(ValueReader& reader, const std::string& key,
                                        const JsonMember& entry) {
  static const std::vector<std::string> fields{"bridge", "block", "block.cidrs", "allow.cidrs"};
  if (auto status = validate_network_name(entry.key); !status) {
    reader.error(entry.key_position, key, status.error().message);
    return std::nullopt;
  }
  if (entry.value.kind != JsonNode::Kind::Object) {
    reader.error(entry.value.position, key,
                 "expected {\"bridge\": \"docker-...\", \"block\": [...]}, got " +
                     describe_json(reader.value_of(entry.value)));
    return std::nullopt;
  }
  reader.check_duplicates(entry.value, key + ".");
  NetworkDecl network;
  network.name = entry.key;
  network.location = reader.at(entry.key_position);
  bool ok = true, has_bridge = false;
  for (const auto& field : entry.value.members) {
    std::string field_key = key + "." + field.key;
    if (field.key == "bridge") {
      has_bridge = true;
      auto bridge = read_bridge(reader, field_key, field.value);
      if (bridge) network.bridge = *bridge;
      ok = ok && bridge.has_value();
    } else if (field.key == "block" || field.key == "block.cidrs" || field.key == "allow.cidrs") {
      auto check = field.key == "block" ? ValueReader::ItemCheck{normalize_block_member}
                                        : ValueReader::ItemCheck{normalize_cidr};
      auto list = reader.to_list(field_key, field.value, check);
      if (!list) {
        ok = false;
        continue;
      }
      if (field.key == "block") {
        network.block = std::move(*list);
      } else if (field.key == "block.cidrs") {
        network.block_cidrs = std::move(*list);
      } else {
        network.allow_cidrs = std::move(*list);
      }
    } else {
      std::string message = "unknown network setting '" + field.key + "'";
      if (auto suggestion = closest_match(field.key, fields))
        message += " (did you mean " + *suggestion + "?)";
      reader.error(field.key_position, field_key,
                   message + "; expected bridge, block, block.cidrs or allow.cidrs");
      ok = false;
    }
  }
  if (!has_bridge) {
    reader.error(entry.key_position, key,
                 "missing \"bridge\": the Linux bridge name of the network, e.g. \"docker-" +
                     entry.key.substr(0, 8) + "\"");
    ok = false;
  }
  // Not an error (the network still separates its containers), but probably not what was meant.
  if (ok && network.block.empty() && network.block_cidrs.empty())
    reader.report(Severity::Warning, entry.key_position, key,
                  "blocks nothing: containers on it reach every address");
  if (!ok) return std::nullopt;
  return network;
}

// Two networks on one bridge would make their interface-based rules apply to each other's containers.
bool check_unique_bridges(ValueReader& reader, const std::string& key, const JsonNode& networks_node,
                          const std::vector<NetworkDecl>& networks) {
  bool ok = true;
  for (size_t i = 0; i < networks.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (networks[i].bridge != networks[j].bridge) continue;
      TextPosition where{networks[i].location.line, networks[i].location.column};
      for (const auto& entry : networks_node.members)
        if (entry.key == networks[i].name)
          for (const auto& field : entry.value.members)
            if (field.key == "bridge") where = field.value.position;
      reader.error(where, key + "." + networks[i].name + ".bridge",
                   "bridge " + networks[i].bridge + " is already used by network " + networks[j].name + " (" +
                       networks[j].location.str() + ")");
      ok = false;
      break;
    }
  }
  return ok;
}

}  // namespace

std::optional<std::vector<NetworkDecl>> read_networks(ValueReader& reader, const JsonMember& member) {
  const std::string& key = member.key;
  if (member.value.kind != JsonNode::Kind::Object) {
    reader.error(member.value.position, key,
                 "expected an object of network name -> {\"bridge\": ..., \"block\": [...]}, got " +
                     describe_json(reader.value_of(member.value)));
    return std::nullopt;
  }
  reader.check_duplicates(member.value, key + ".");
  std::vector<NetworkDecl> networks;
  bool ok = true;
  for (const auto& entry : member.value.members) {
    auto network = read_network(reader, key + "." + entry.key, entry);
    if (!network) {
      ok = false;
      continue;
    }
    networks.push_back(std::move(*network));
  }
  ok = check_unique_bridges(reader, key, member.value, networks) && ok;
  if (!ok) return std::nullopt;
  return networks;
}

}  // namespace hardend::config
