// IPv4 addresses and CIDR blocks as iptables sees them. Parsing normalizes ("10.1.2.3/8" is the block
// 10.0.0.0/8, a bare address is a /32) so that equal blocks compare and render equal.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hardend::net {

// Dotted quad only ("10.0.0.1"); no shorthand forms such as "10.1" that inet_aton would accept.
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

struct Ipv4Cidr {
  uint32_t network = 0;  // host byte order, host bits cleared
  int prefix = 32;

  // "10.0.0.0/8", "10.1.2.3/8" (normalized to 10.0.0.0/8), "169.254.169.254" (= /32).
  // Errors name the text: "\"10.0.0.0/33\" is not an IPv4 CIDR: prefix must be 0-32".
  static Result<Ipv4Cidr> parse(std::string_view text);
  static Ipv4Cidr host(uint32_t address) { return Ipv4Cidr{address, 32}; }

  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool contains(uint32_t address) const { return (address & mask()) == network; }
  bool contains(const Ipv4Cidr& other) const { return other.prefix >= prefix && contains(other.network); }
  // Always with the prefix, as iptables-save prints it: "10.0.0.0/8", "10.99.0.1/32".
  std::string str() const;

  auto operator<=>(const Ipv4Cidr&) const = default;
};

}  // namespace hardend::net
