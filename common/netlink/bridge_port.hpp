#pragma once
// Bridge ports: reading a port's flags (hairpin, isolated, learning; link::change sets them) and the
// VLANs a port carries, set through AF_BRIDGE messages on the socket of the bridge's namespace.
//
//   auto flags = bridge::get_port(nl, veth.index);
//   bridge::add_vlan(nl, {.ifindex = veth.index, .vid = 10, .pvid = true, .untagged = true});
#include <cstdint>
#include <optional>
#include <vector>

#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink::bridge {

struct port_info {
    if_index master;
    bool hairpin = false;
    bool isolated = false;
    bool learning = false;
};

struct vlan_options {
    if_index ifindex;         // a bridge port, or the bridge itself with self = true
    std::uint16_t vid = 0;
    bool pvid = false;        // untagged ingress frames get this VLAN
    bool untagged = false;    // egress frames leave without the tag
    bool self = false;        // the bridge device's own VLANs (BRIDGE_FLAGS_SELF)
};

struct vlan {
    std::uint16_t vid = 0;
    bool pvid = false;
    bool untagged = false;
    friend bool operator==(const vlan&, const vlan&) = default;
};

// nullopt when the link is not a bridge port. Throws netlink::error if the link does not exist.
std::optional<port_info> get_port(socket& sock, if_index ifindex);

void add_vlan(socket& sock, const vlan_options& options);
// false when the VLAN was not on the port (ENOENT) or the port is gone (ENODEV).
bool del_vlan(socket& sock, const vlan_options& options);
// The VLANs of a port (or of the bridge itself), sorted by id.
std::vector<vlan> list_vlans(socket& sock, if_index ifindex);

// The message the VLAN functions above send, for tests.
message vlan_request(std::uint16_t type, const vlan_options& options);

}  // namespace wharf::netlink::bridge
