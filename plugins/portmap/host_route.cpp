#include "host_route.hpp"

#include <linux/netlink.h>

#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "sys/sysctl.hpp"

namespace wharf::portmap {

std::string route_interface(const net::ip_address& destination) {
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    return netlink::link::get_link(sock, netlink::route::lookup(sock, destination).ifindex).name;
}

std::string enable_route_localnet(const std::string& ifname) {
    std::string key = "net/ipv4/conf/" + ifname + "/route_localnet";
    if (sys::sysctl::read(key) != "1") sys::sysctl::write(key, "1");
    return key;
}

}  // namespace wharf::portmap
