#include "net/cidr.h"

#include "common/strings.h"

namespace hardend::net {

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  std::vector<std::string> parts = split(text, ".");
  if (parts.size() != 4) return std::nullopt;
  uint32_t address = 0;
  for (const std::string& part : parts) {
    if (part.empty() || part.size() > 3) return std::nullopt;
    for (char c : part)
      if (c < '0' || c > '9') return std::nullopt;
    int octet = std::stoi(part);
    if (octet > 255) return std::nullopt;
    address = (address << 8) | static_cast<uint32_t>(octet);
  }
  return address;
}

std::string format_ipv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

Result<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text) {
  std::string_view trimmed = trim(text);
  auto fail = [&](const std::string& why) {
    return make_error("\"" + std::string(text) + "\" is not an IPv4 CIDR: " + why);
  };
  size_t slash = trimmed.find('/');
  std::string_view address_text = trimmed.substr(0, slash);
  std::optional<uint32_t> address = parse_ipv4(address_text);
  if (!address) {
    if (address_text.find(':') != std::string_view::npos) return fail("IPv6 is not supported");
    return fail("expected an address like 10.0.0.0");
  }
  int prefix = 32;
  if (slash != std::string_view::npos) {
    std::string_view prefix_text = trimmed.substr(slash + 1);
    std::optional<int64_t> parsed = parse_int(prefix_text);
    if (!parsed || *parsed < 0 || *parsed > 32 || prefix_text.front() == '+' || prefix_text.front() == '-')
      return fail("prefix must be 0-32");
    prefix = static_cast<int>(*parsed);
  }
  Ipv4Cidr cidr{0, prefix};
  cidr.network = *address & cidr.mask();
  return cidr;
}

std::string Ipv4Cidr::str() const {
  return format_ipv4(network) + "/" + std::to_string(prefix);
}

}  // namespace hardend::net
