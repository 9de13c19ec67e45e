#pragma once
// The host side that attachments share: the bridge device, its gateway addresses, forwarding.
#include <vector>

#include "bridge_conf.hpp"
#include "net/prefix.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace wharf::bridge {

// Creates the bridge (with a pinned random MAC, VLAN filtering when the config uses VLANs) or
// accepts an existing one, also one that a concurrent ADD creates at the same moment; throws
// cni::error (999) when the name is taken by a link that is not a bridge. Then:
// promiscuous mode if asked, accept_ra off, up. Returns the bridge as it is now.
netlink::link_info ensure_bridge(netlink::socket& host, const bridge_conf& conf);

// Puts each gateway (gateway address with the container subnet's length) on the bridge. An address
// of the same family that conflicts (any other IPv4 address; an overlapping IPv6 one) is replaced
// when force_address is set, else it is an error.
void ensure_gateways(netlink::socket& host, const netlink::link_info& bridge, const std::vector<net::prefix>& gateways,
                     bool force_address);

// net.ipv4.ip_forward / net.ipv6.conf.all.forwarding = 1 in the calling thread's namespace.
void enable_forwarding(net::family f);

}  // namespace wharf::bridge
