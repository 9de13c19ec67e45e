#pragma once
// portmap_conf: every key the reference portmap plugin reads, parsed and validated in one place,
// and the container addresses the mappings point to, taken from prevResult.
// A bad value throws cni::error code 7 naming the key; a condition Wharf cannot express, code 2.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "conditions.hpp"
#include "net/ip_address.hpp"
#include "net/prefix.hpp"

namespace wharf::portmap {

inline constexpr long long default_mark_masq_bit = 13;

// One entry of runtimeConfig.portMappings.
struct port_mapping {
    std::uint16_t host_port = 0;
    std::uint16_t container_port = 0;
    std::uint8_t protocol = 6;               // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
    std::optional<net::ip_address> host_ip;  // unset: every host address of both families

    // Whether the mapping applies to traffic of family `f`: hostIP's family must match.
    bool applies_to(net::family f) const noexcept { return !host_ip || host_ip->fam() == f; }
    // The host address the mapping is keyed on in family `f`: the unspecified address means any.
    net::ip_address key_address(net::family f) const;
    // "tcp 8080 -> 80" or "udp 10.0.0.1:53 -> 53", for messages.
    std::string describe() const;
};

std::string protocol_name(std::uint8_t protocol);

struct portmap_conf {
    std::vector<port_mapping> mappings;       // runtimeConfig.portMappings
    bool snat = true;                         // "snat": masquerade hairpin and localhost traffic
    bool masq_all = false;                    // "masqAll": masquerade every DNATed connection
    long long mark_masq_bit = default_mark_masq_bit;  // "markMasqBit": validated, unused by nftables
    std::string external_set_mark_chain;      // "externalSetMarkChain": validated, unused by nftables
    std::vector<condition> conditions_v4;     // "conditionsV4"
    std::vector<condition> conditions_v6;     // "conditionsV6"
    // The first IPv4 and first IPv6 address of the container interface CNI_IFNAME in prevResult.
    std::optional<net::prefix> container_v4;
    std::optional<net::prefix> container_v6;

    const std::optional<net::prefix>& container(net::family f) const noexcept {
        return f == net::family::v4 ? container_v4 : container_v6;
    }
    const std::vector<condition>& conditions(net::family f) const noexcept {
        return f == net::family::v4 ? conditions_v4 : conditions_v6;
    }
};

// `conf` is the already parsed common part; `req` supplies CNI_IFNAME.
portmap_conf parse_portmap_conf(const cni::net_conf& conf, const cni::request& req);

}  // namespace wharf::portmap
