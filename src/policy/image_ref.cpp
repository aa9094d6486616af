#include "policy/image_ref.h"

#include <cctype>
#include <vector>

#include "common/strings.h"

namespace hardend::policy {
namespace {

// Docker's reference grammar (distribution/reference):
//   path-component := alpha-numeric (separator alpha-numeric)*
//   alpha-numeric  := [a-z0-9]+
//   separator      := [_.] | "__" | "-"+
bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool valid_path_component(std::string_view component) {
  if (component.empty() || !is_lower_alnum(component.front()) || !is_lower_alnum(component.back()))
    return false;
  size_t i = 0;
  while (i < component.size()) {
    if (is_lower_alnum(component[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < component.size() && !is_lower_alnum(component[i])) ++i;
    std::string_view separator = component.substr(start, i - start);
    bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (separator != "." && separator != "_" && separator != "__" && !dashes) return false;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]; optional ":port".
bool valid_registry(std::string_view registry) {
  std::string_view host = registry;
  if (size_t colon = registry.find(':'); colon != std::string_view::npos) {
    std::string_view port = registry.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    host = registry.substr(0, colon);
  }
  if (host.empty()) return false;
  for (const std::string& label : split(host, ".")) {
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

// tag := [\w][\w.-]{0,127}
bool valid_tag(std::string_view tag) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (tag.empty() || tag.size() > 128 || !word(tag.front())) return false;
  for (char c : tag)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

// digest := algorithm ":" hex; algorithm components [A-Za-z][A-Za-z0-9]* joined by [+._-]; hex at least 32
// digits.
bool valid_digest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  if (!std::isalpha(static_cast<unsigned char>(algorithm.front()))) return false;
  for (size_t i = 0; i < algorithm.size(); ++i) {
    char c = algorithm[i];
    bool separator = c == '+' || c == '.' || c == '_' || c == '-';
    if (separator &&
        (i + 1 == algorithm.size() || !std::isalpha(static_cast<unsigned char>(algorithm[i + 1]))))
      return false;
    if (!separator && !std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  if (hex.size() < 32) return false;
  for (char c : hex)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool looks_like_registry(std::string_view component) {
  return component.find('.') != std::string_view::npos || component.find(':') != std::string_view::npos ||
         component == "localhost";
}

}  // namespace

std::string ImageRef::name() const {
  return registry.empty() ? path : registry + "/" + path;
}

std::string ImageRef::full() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<ImageRef> parse_image_ref(std::string_view text) {
  const std::string original(text);
  auto invalid = [&](const std::string& why) {
    return make_error("invalid image reference '" + original + "': " + why);
  };
  std::string_view rest = trim(text);
  if (rest.empty()) return invalid("empty");
  if (rest.size() != text.size()) return invalid("leading or trailing whitespace");

  ImageRef ref;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!valid_digest(ref.digest))
      return invalid("digest '" + ref.digest +
                     "' is not algorithm:hex (e.g. sha256: and at least 32 hex digits)");
  }
  // A tag is the part after the last ':' that follows the last '/' (a ':' before it is a registry port).
  size_t last_slash = rest.rfind('/');
  size_t tag_colon = rest.rfind(':');
  if (tag_colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || tag_colon > last_slash)) {
    ref.tag = std::string(rest.substr(tag_colon + 1));
    rest = rest.substr(0, tag_colon);
    if (!valid_tag(ref.tag))
      return invalid("tag '" + ref.tag + "' must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  }
  if (rest.empty()) return invalid("missing repository name");

  std::vector<std::string> components = split(rest, "/");
  if (components.size() > 1 && looks_like_registry(components.front())) {
    ref.registry = components.front();
    components.erase(components.begin());
    if (!valid_registry(ref.registry))
      return invalid("registry host '" + ref.registry + "' is not host[:port]");
  }
  for (const std::string& component : components) {
    if (component.empty()) return invalid("empty path component");
    if (!valid_path_component(component)) {
      std::string why = "path component '" + component + "' must be lowercase letters and digits";
      why += " separated by '.', '_', '__' or '-'";
      return invalid(why);
    }
  }
  ref.path = join(components, "/");
  if (ref.name().size() > 255) return invalid("name longer than 255 characters");
  if (ref.tag.empty() && ref.digest.empty()) {
    ref.tag = "latest";
    ref.tag_implicit = true;
  }
  return ref;
}

}  // namespace hardend::policy
