// The keys table: the single source of truth for every config key (name, type, default, doc).
// It drives validation, suggestions for misspelled keys and docs/CONFIG.md (a test checks they agree).
#pragma once

#include <string>
#include <vector>

namespace hardend::config {

enum class KeyType { Bool, Size, Cpus, String, StringList, DockerOptions, Enum, Networks };

struct KeyDef {
  std::string name;           // exact key, or a family written "python.pass.extra.keys.<image>[:<tag>]"
  KeyType type;
  std::string default_value;  // as shown in docs ("true", "1g", "4000:4000", "(none)")
  std::string doc;            // one or two sentences
  bool per_image = false;     // the name is a prefix followed by an image reference
};

const std::vector<KeyDef>& keys_table();
std::string type_name(KeyType type);  // "boolean", "size", ...

// The Markdown of docs/CONFIG.md, generated from the table.
std::string render_config_markdown();

}  // namespace hardend::config
