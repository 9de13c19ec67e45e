#pragma once
// Pod routing between Kubernetes nodes: what wharfd is told (the backend, this node, the others) and
// the fixed numbers of the scheme.
//
//   router_config cfg{.mode = parse_backend("auto"), .node_name = "n1", .own_pod_cidrs = {...}, .own_ips = {...}};
//   pod_router router(cfg);  router.sync(peers);   (pod_router.hpp)
//
// Backends: host_gw routes each remote pod range via the remote node's InternalIP (the node must be on
// this node's L2 segment); vxlan tunnels every range through one VXLAN device; auto_ takes host_gw
// for the peers on this node's segment and vxlan for the others.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "net/prefix.hpp"

namespace wharf::agent::routing {

enum class backend { host_gw, vxlan, auto_ };

struct backend_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// "host-gw", "vxlan" or "auto" (as --backend takes them); anything else throws backend_error.
backend parse_backend(std::string_view text);
std::string to_string(backend b);

// Another node, as the Kubernetes Node object describes it.
struct peer {
    std::string name;
    std::string uid;
    std::vector<net::prefix> pod_cidrs;        // spec.podCIDRs
    std::vector<net::ip_address> internal_ips; // status.addresses of type InternalIP
};

struct router_config {
    backend mode = backend::host_gw;
    std::string node_name;
    std::vector<net::prefix> own_pod_cidrs;
    std::vector<net::ip_address> own_ips;      // this node's InternalIPs; the first IPv4 one (else IPv6) carries VXLAN
    std::uint32_t vni = 1;
    std::uint16_t vxlan_port = 4789;
    std::string device = "wharf.vxlan";
};

// The route protocol (rtm_protocol) of every route wharfd makes. 87 is not assigned in the kernel's
// rtnetlink.h nor named in iproute2's /etc/iproute2/rt_protos, so `ip route show proto 87` lists just
// these routes, and a restarted agent knows which routes are its own to withdraw.
inline constexpr std::uint8_t route_protocol = 87;

// What VXLAN adds to each packet: outer IPv4 (20) or IPv6 (40) header, UDP (8), VXLAN (8), inner
// Ethernet (14).
inline constexpr unsigned vxlan_overhead_v4 = 50;
inline constexpr unsigned vxlan_overhead_v6 = 70;

// The MAC of a node's VXLAN device: a stable hash of its name, locally administered unicast. It
// depends on the name only, so it survives restarts of the agent and a re-created Node object.
net::mac vxlan_mac(std::string_view node_name);

// The tunnel address of a node for one of its pod ranges: the range's network address (10.151.2.0,
// fd00:150:1:2::). It sits on the node's VXLAN device (/32, /128) and is the onlink gateway to it.
net::ip_address tunnel_address(const net::prefix& pod_cidr);

}  // namespace wharf::agent::routing
