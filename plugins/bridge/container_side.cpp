#include "container_side.hpp"

#include <cerrno>

#include "netlink/addr.hpp"
#include "netlink/request.hpp"
#include "netlink/route.hpp"

namespace wharf::bridge {

void configure_container(netlink::socket& container, const netlink::link_info& inside, const cni::result& r,
                         const bridge_conf& conf) {
    const netlink::if_index ifindex = inside.index;
    std::optional<net::ip_address> gw4, gw6;
    for (const auto& ip : r.ips) {
        netlink::addr::add(container, {.ifindex = ifindex, .address = ip.address, .nodad = !conf.enable_dad && !ip.address.is_v4()});
        if (ip.gateway && ip.gateway->is_v4() && !gw4) gw4 = ip.gateway;
        if (ip.gateway && ip.gateway->is_v6() && !gw6) gw6 = ip.gateway;
    }
    if (conf.disable_container_interface) return;
    netlink::link::change(container, inside, {.up = true, .arp_notify = true});
    for (const auto& rt : r.routes) {
        netlink::route::options o{.dst = rt.dst, .gateway = rt.gw, .ifindex = ifindex};
        if (!o.gateway) o.gateway = rt.dst.is_v4() ? gw4 : gw6;
        if (rt.table) o.table = static_cast<std::uint32_t>(*rt.table);
        if (rt.priority) o.metric = static_cast<std::uint32_t>(*rt.priority);
        if (rt.scope) o.scope = static_cast<std::uint8_t>(*rt.scope);
        if (rt.mtu) o.mtu = static_cast<std::uint32_t>(*rt.mtu);
        if (rt.advmss) o.advmss = static_cast<std::uint32_t>(*rt.advmss);
        // EEXIST: IPAM listed the same route twice.
        netlink::completes_unless({EEXIST}, [&] { netlink::route::add(container, o); });
    }
}

}  // namespace wharf::bridge
