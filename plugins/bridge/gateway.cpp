#include "gateway.hpp"

#include <algorithm>

namespace wharf::bridge {

std::vector<net::prefix> apply_gateways(cni::result& r, const bridge_conf& conf) {
    std::vector<net::prefix> gateways;
    bool default_added[2] = {false, false};
    for (auto& ip : r.ips) {
        ip.interface = container_interface_index;
        const net::family f = ip.address.fam();
        if (!ip.gateway && conf.is_gateway) ip.gateway = ip.address.network().next();
        if (conf.is_default_gateway && ip.gateway && !default_added[f == net::family::v6]) {
            const net::prefix any = net::prefix::any(f);
            bool routed = std::any_of(r.routes.begin(), r.routes.end(),
                                      [&](const cni::route& rt) { return rt.gw && rt.dst == any; });
            if (!routed) r.routes.push_back({.dst = any, .gw = ip.gateway});
            default_added[f == net::family::v6] = true;
        }
        if (conf.is_gateway && ip.gateway) {
            net::prefix gw(*ip.gateway, ip.address.length());
            if (std::find(gateways.begin(), gateways.end(), gw) == gateways.end()) gateways.push_back(gw);
        }
    }
    return gateways;
}

}  // namespace wharf::bridge
