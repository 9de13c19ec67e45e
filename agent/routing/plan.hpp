#pragma once
// The wanted routing state of this node, computed from its configuration, its underlay and the other
// nodes, without touching the kernel: which remote pod ranges go straight over the underlay (host-gw)
// and which through the VXLAN device, with the neighbour and FDB entries the tunnel needs.
//
//   const plan wanted = make_plan(cfg, underlay, peers);
//   for (const auto& r : wanted.routes) ...   // r.via == path::vxlan: onlink via the tunnel address
//
// A peer is skipped (and listed in plan::skipped with the reason) when it is this node, has no pod
// range, has no InternalIP to reach a range with, claims a range this node or an earlier peer owns,
// or (host-gw) is not on this node's L2 segment.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "net/prefix.hpp"
#include "netlink/link.hpp"
#include "routing/config.hpp"

namespace wharf::agent::routing {

// The device that carries this node's InternalIP (or its default route).
struct underlay {
    netlink::if_index ifindex;
    std::uint32_t mtu = 0;
    std::vector<net::prefix> on_link;  // the (canonical) prefixes of the device's global addresses
};

enum class path { underlay, vxlan };

struct planned_route {
    net::prefix dst;                   // canonical
    net::ip_address gateway;           // the peer's InternalIP (underlay) or tunnel address (vxlan)
    path via = path::underlay;
    std::string peer;                  // the node it leads to
    std::uint8_t protocol = route_protocol;
    bool onlink() const noexcept { return via == path::vxlan; }
    friend bool operator==(const planned_route&, const planned_route&) = default;
};

// A permanent neighbour on the VXLAN device: a peer's tunnel address at the peer's VXLAN MAC.
struct planned_neighbour {
    net::ip_address address;
    net::mac lladdr;
    friend bool operator==(const planned_neighbour&, const planned_neighbour&) = default;
};

// A permanent FDB entry on the VXLAN device: frames for a peer's VXLAN MAC go to its InternalIP.
struct planned_fdb {
    net::mac lladdr;
    net::ip_address dst;
    friend bool operator==(const planned_fdb&, const planned_fdb&) = default;
};

struct skipped_peer {
    std::string peer;
    std::string reason;
};

struct plan {
    std::vector<planned_route> routes;
    std::vector<planned_neighbour> neighbours;
    std::vector<planned_fdb> fdb;
    // What the VXLAN device needs when any route goes through it: its local underlay address,
    // its MAC, and this node's own tunnel addresses (/32, /128) to put on it.
    std::optional<net::ip_address> vxlan_local;
    net::mac vxlan_mac;
    std::vector<net::prefix> tunnel_addresses;
    std::vector<skipped_peer> skipped;

    bool needs_vxlan() const noexcept { return !fdb.empty(); }
};

plan make_plan(const router_config& config, const underlay& own, const std::vector<peer>& peers);

// The address VXLAN would carry this node's tunnels from: its first IPv4 InternalIP, else its first
// IPv6 one; nullopt when it has none.
std::optional<net::ip_address> vxlan_local_address(const router_config& config);

// The MTU for pods: the underlay's with host-gw; with vxlan, and always with auto (a peer on another
// segment may appear at any time, and pods keep the MTU they were born with), the underlay's less
// the VXLAN overhead of the underlay's family.
unsigned pod_mtu(const router_config& config, const underlay& own);

// The MTU of the VXLAN device: the underlay's less the overhead.
unsigned vxlan_mtu(const router_config& config, const underlay& own);

}  // namespace wharf::agent::routing
