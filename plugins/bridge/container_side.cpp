#include "container_side.hpp"

#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>

#include "netlink/addr.hpp"
#include "netlink/error.hpp"
#include "netlink/route.hpp"

namespace wharf::bridge {

void set_up_with_arp_notify(netlink::socket& sock, netlink::if_index ifindex) {
    netlink::message msg(RTM_NEWLINK);
    auto& ifi = msg.put_header<ifinfomsg>();
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex.value;
    ifi.ifi_flags = IFF_UP;
    ifi.ifi_change = IFF_UP;
    {
        netlink::nested spec(msg, IFLA_AF_SPEC);
        netlink::nested inet(msg, AF_INET);
        netlink::nested conf(msg, IFLA_INET_CONF);
        msg.put_u32(IPV4_DEVCONF_ARP_NOTIFY, 1);
    }
    sock.request(msg, "set container interface " + std::to_string(ifindex.value) + " up with arp_notify");
}

void configure_container(netlink::socket& container, netlink::if_index ifindex, const cni::result& r,
                         const bridge_conf& conf) {
    std::optional<net::ip_address> gw4, gw6;
    for (const auto& ip : r.ips) {
        netlink::addr::add(container, {.ifindex = ifindex, .address = ip.address, .nodad = !conf.enable_dad && !ip.address.is_v4()});
        if (ip.gateway && ip.gateway->is_v4() && !gw4) gw4 = ip.gateway;
        if (ip.gateway && ip.gateway->is_v6() && !gw6) gw6 = ip.gateway;
    }
    if (conf.disable_container_interface) return;
    set_up_with_arp_notify(container, ifindex);
    for (const auto& rt : r.routes) {
        netlink::route::options o{.dst = rt.dst, .gateway = rt.gw, .ifindex = ifindex};
        if (!o.gateway) o.gateway = rt.dst.is_v4() ? gw4 : gw6;
        if (rt.table) o.table = static_cast<std::uint32_t>(*rt.table);
        if (rt.priority) o.metric = static_cast<std::uint32_t>(*rt.priority);
        if (rt.scope) o.scope = static_cast<std::uint8_t>(*rt.scope);
        if (rt.mtu) o.mtu = static_cast<std::uint32_t>(*rt.mtu);
        if (rt.advmss) o.advmss = static_cast<std::uint32_t>(*rt.advmss);
        try {
            netlink::route::add(container, o);
        } catch (const netlink::error& e) {
            if (e.code_value() != EEXIST) throw;  // IPAM listed the same route twice
        }
    }
}

}  // namespace wharf::bridge
