#pragma once
// The host side of the path to a container: the interface the host routes a container address
// through, and route_localnet on it, so 127.0.0.1:hostPort can be DNATed to the container.
#include <string>

#include "net/ip_address.hpp"

namespace wharf::portmap {

// The name of the interface this namespace routes `destination` through (RTM_GETROUTE).
// Throws netlink::error when there is no route.
std::string route_interface(const net::ip_address& destination);

// Sets net.ipv4.conf.<ifname>.route_localnet to 1 unless it is already; returns its key.
std::string enable_route_localnet(const std::string& ifname);

}  // namespace wharf::portmap
