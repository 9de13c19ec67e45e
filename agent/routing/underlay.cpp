#include "routing/underlay.hpp"

#include <linux/rtnetlink.h>

#include <stdexcept>
#include <string>

#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"

namespace wharf::agent::routing {

namespace {

netlink::if_index link_holding(const std::vector<netlink::addr::entry>& addresses, const std::vector<net::ip_address>& ips) {
    for (const auto& ip : ips) {
        for (const auto& a : addresses)
            if (a.address.address() == ip) return a.ifindex;
    }
    return {};
}

netlink::if_index default_route_link(netlink::socket& sock) {
    for (const auto f : {net::family::v4, net::family::v6}) {
        for (const auto& r : netlink::route::list(sock, f, RT_TABLE_MAIN))
            if (r.dst.length() == 0 && r.ifindex) return r.ifindex;
    }
    return {};
}

}  // namespace

underlay find_underlay(netlink::socket& sock, const std::vector<net::ip_address>& own_ips) {
    const auto addresses = netlink::addr::list(sock);
    netlink::if_index index = link_holding(addresses, own_ips);
    if (!index) index = default_route_link(sock);
    if (!index) {
        std::string ips;
        for (const auto& ip : own_ips) ips += (ips.empty() ? "" : ", ") + ip.to_string();
        throw std::runtime_error("find the underlay: no link holds this node's InternalIPs (" + ips +
                                 ") and there is no default route");
    }
    underlay found;
    found.ifindex = index;
    found.mtu = netlink::link::get_link(sock, index).mtu;
    for (const auto& a : addresses) {
        if (a.ifindex == index && a.scope == RT_SCOPE_UNIVERSE) found.on_link.push_back(a.address.canonical());
    }
    return found;
}

}  // namespace wharf::agent::routing
