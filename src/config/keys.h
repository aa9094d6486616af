// The keys table: the single source of truth for every config key (name, type, default, doc).
// It drives validation, suggestions for misspelled keys and docs/CONFIG.md (a test checks they agree).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hardend::config {

enum class KeyType { Bool, Size, Cpus, String, StringList, DockerOptions, Enum, Networks, Count };

struct KeyDef {
  std::string name;  // exact key, or a family written "python.pass.extra.keys.<image>[:<tag>]"
  KeyType type;
  std::string default_value;  // as shown in docs ("true", "1g", "4000:4000", "(none)")
  std::string doc;            // one or two sentences
  bool per_image = false;     // the name is a prefix followed by an image reference
  std::string example;        // a JSON member as an operator writes it: "\"docker.memory.limit\": \"2g\""
  std::string details;        // longer semantics for docs/CONFIG.md (Markdown); may be empty
};

const std::vector<KeyDef>& keys_table();
// The table entry for an exact key name (families are not matched here), or nullptr.
const KeyDef* find_key(std::string_view name);
// "python.pass.extra.keys.": the prefix of the per-image keys; the rest of such a key is the image reference.
// (The warm pool's containers.isolation.<image> and containers.*.water.mark.<image> follow the same rule.)
inline constexpr std::string_view kPerImagePrefix = "python.pass.extra.keys.";
std::string type_name(KeyType type);  // "boolean", "size", ...

// The Markdown of docs/CONFIG.md, generated from the table.
std::string render_config_markdown();

}  // namespace hardend::config
