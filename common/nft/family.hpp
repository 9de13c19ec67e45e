#pragma once
// family: the nftables address families (nft's "ip", "ip6", "inet", ...), with their names.
// glibc's netinet/in.h must come before the kernel's linux/in.h (pulled in by netfilter.h).
#include <netinet/in.h>

#include <linux/netfilter.h>

#include <cstdint>
#include <string_view>

namespace wharf::nft {

enum class family : std::uint8_t {
    unspec = NFPROTO_UNSPEC,  // in reads: every family
    inet = NFPROTO_INET,
    ip = NFPROTO_IPV4,
    arp = NFPROTO_ARP,
    netdev = NFPROTO_NETDEV,
    bridge = NFPROTO_BRIDGE,
    ip6 = NFPROTO_IPV6,
};

// The name nft prints for the family ("inet", "ip", ...).
constexpr std::string_view name(family f) noexcept {
    switch (f) {
    case family::unspec: return "unspec";
    case family::inet: return "inet";
    case family::ip: return "ip";
    case family::arp: return "arp";
    case family::netdev: return "netdev";
    case family::bridge: return "bridge";
    case family::ip6: return "ip6";
    }
    return "unknown";
}

}  // namespace wharf::nft
