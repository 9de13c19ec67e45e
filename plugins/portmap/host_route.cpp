#include "host_route.hpp"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netlink/link.hpp"
#include "netlink/message.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "sys/sysctl.hpp"

namespace wharf::portmap {

std::string route_interface(const net::ip_address& destination) {
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    netlink::message msg(RTM_GETROUTE);
    auto& rt = msg.put_header<rtmsg>();
    rt.rtm_family = static_cast<unsigned char>(destination.af());
    rt.rtm_dst_len = static_cast<unsigned char>(destination.bits());
    msg.put_address(RTA_DST, destination);
    const std::string what = "look up the route to " + destination.to_string();
    netlink::message reply = sock.get(msg, what);
    auto route = netlink::route::parse_route(reply.header());
    return netlink::link::get_link(sock, route.ifindex).name;
}

void enable_route_localnet(const std::string& ifname) {
    const std::string key = "net/ipv4/conf/" + ifname + "/route_localnet";
    if (sys::sysctl::read(key) != "1") sys::sysctl::write(key, "1");
}

}  // namespace wharf::portmap
