#pragma once
// bridge_conf: every key the reference bridge plugin reads, plus Wharf's `isolation`, parsed and
// validated in one place. A bad value throws cni::error code 7 naming the key and the value.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "net/mac.hpp"

namespace wharf::bridge {

inline constexpr const char* default_bridge_name = "cni0";

struct bridge_conf {
    std::string bridge = default_bridge_name;  // "bridge"
    bool is_gateway = false;                   // "isGateway" (implied by isDefaultGateway)
    bool is_default_gateway = false;           // "isDefaultGateway"
    bool force_address = false;                // "forceAddress"
    bool ip_masq = false;                      // "ipMasq"
    std::string ip_masq_backend;               // "ipMasqBackend": accepted; Wharf always uses nftables
    std::optional<std::uint32_t> mtu;          // "mtu" (0 or absent: the kernel's default)
    bool hairpin = false;                      // "hairpinMode"
    bool promisc = false;                      // "promiscMode"
    std::uint16_t vlan = 0;                    // "vlan", 0 = none
    std::vector<std::uint16_t> vlan_trunk;     // "vlanTrunk", sorted, unique
    bool preserve_default_vlan = true;         // "preserveDefaultVlan"
    bool enable_dad = false;                   // "enabledad"
    bool macspoofchk = false;                  // "macspoofchk"
    bool disable_container_interface = false;  // "disableContainerInterface"
    bool port_isolation = false;               // "portIsolation"
    bool isolation = false;                    // "isolation" (Wharf): Docker's inter-network isolation
    std::optional<net::mac> mac;               // runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC=
    bool has_ipam = false;                     // ipam.type is set

    bool vlan_filtering() const noexcept { return vlan != 0 || !vlan_trunk.empty(); }
    bool needs_nft() const noexcept { return ip_masq || isolation || macspoofchk; }
    friend bool operator==(const bridge_conf&, const bridge_conf&) = default;
};

// `conf` is the already parsed common part; `req` supplies CNI_ARGS.
bridge_conf parse_bridge_conf(const cni::net_conf& conf, const cni::request& req);

}  // namespace wharf::bridge
