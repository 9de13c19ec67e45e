#pragma once
// Encoders for the bytes nftables compares and stores: set keys, map data and cmp operands,
// in the kernel's layout (addresses and ports in network order, marks in host order).
//
//   nft::concat({nft::addr(*net::ip_address::parse("10.0.0.1")), nft::port(8080)})  // 8 bytes
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "nft/objects.hpp"

namespace wharf::nft {

bytes addr(const net::ip_address& a);       // 4 or 16 bytes
bytes port(std::uint16_t host_order);       // 2 bytes, network order
bytes proto(std::uint8_t protocol);         // 1 byte (IPPROTO_TCP, NFPROTO_IPV4, ...)
bytes u32(std::uint32_t host_order);        // 4 bytes, host order (meta mark)
bytes ifname(std::string_view name);        // IFNAMSIZ bytes, NUL padded; throws if too long
bytes ether(const net::mac& m);             // 6 bytes
// Members laid end to end, each padded with zeros to a multiple of 4 bytes: a concatenated key.
bytes concat(std::initializer_list<bytes> members);

}  // namespace wharf::nft
