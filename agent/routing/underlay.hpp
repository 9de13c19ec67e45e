#pragma once
// Finds this node's underlay: the link that holds one of its InternalIPs (the first that some link
// holds), else the link of its IPv4 (then IPv6) default route; its MTU, and the prefixes of its global
// addresses, which say who shares its L2 segment.
#include <vector>

#include "net/ip_address.hpp"
#include "netlink/socket.hpp"
#include "routing/plan.hpp"

namespace wharf::agent::routing {

// Throws std::runtime_error when neither an address nor a default route names a link.
underlay find_underlay(netlink::socket& sock, const std::vector<net::ip_address>& own_ips);

}  // namespace wharf::agent::routing
