#pragma once
// The attachment's veth pair: created in one netlink message (container end straight inside the
// container's namespace, host end attached to the bridge and up), the host end's bridge-port
// settings, and finding host ends again by the owner tag in their interface alias.
#include <optional>
#include <string>
#include <vector>

#include "bridge_conf.hpp"
#include "net/mac.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"

namespace wharf::bridge {

struct veth_pair {
    std::string host_name;  // "veth" + 8 random hex digits
    net::mac host_mac;
    net::mac container_mac;
};

// Creates the pair. The container end gets `ifname`, conf.mac (or a random MAC) and conf.mtu; the
// host end is enslaved to `bridge`, up, with `alias` as its interface alias and the port flags of
// the config. Throws cni::error when `ifname` already exists in the container.
veth_pair create_veth_pair(netlink::socket& host, netlink::socket& container, const netns::handle& ns,
                           const std::string& ifname, const netlink::link_info& bridge, const bridge_conf& conf,
                           const std::string& alias);

// Puts the host end's VLANs in place (access VLAN or trunk; the default VLAN removed unless kept).
void setup_port_vlans(netlink::socket& host, netlink::if_index port, const bridge_conf& conf);

struct host_veth {
    netlink::link_info link;
    std::string tag;  // the owner tag at the start of its alias
};

// Host veths carrying an owner tag in their alias: the ports of `bridge` when it exists (the kernel
// filters the dump), else every veth.
std::vector<host_veth> list_tagged_veths(netlink::socket& host, netlink::if_index bridge);

// The alias for an attachment's host veth: "<tag> <network> <container>/<ifname>", cut to 255 bytes.
std::string veth_alias(const std::string& tag, const std::string& network, const std::string& container_id,
                       const std::string& ifname);

}  // namespace wharf::bridge
