#include "routing/pod_router.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "base/in_quotes.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/neigh.hpp"
#include "netlink/route.hpp"
#include "routing/underlay.hpp"

namespace wharf::agent::routing {

namespace nl = wharf::netlink;

struct pod_router::pass {
    std::size_t changes = 0;
    std::vector<std::string> failures;

    // Runs one change; counts it when it went through, records why when it did not.
    template <typename Change>
    void apply(const std::string& what, Change&& change) {
        try {
            std::forward<Change>(change)();
            ++changes;
        } catch (const std::exception& e) {
            failures.push_back(what + ": " + e.what());
        }
    }
};

namespace {

const std::vector<net::family> families{net::family::v4, net::family::v6};

bool default_metric(const nl::route::entry& e) {
    if (e.dst.fam() == net::family::v6) return !e.metric || *e.metric == 1024;
    return !e.metric || *e.metric == 0;
}

}  // namespace

pod_router::pod_router(router_config config) : pod_router(std::move(config), nl::socket::open(NETLINK_ROUTE)) {}

pod_router::pod_router(router_config config, nl::socket sock)
    : config_(std::move(config)), sock_(std::move(sock)), underlay_(find_underlay(sock_, config_.own_ips)) {}

unsigned pod_router::pod_mtu() const { return routing::pod_mtu(config_, underlay_); }

std::size_t pod_router::sync(const std::vector<peer>& peers) {
    underlay_ = find_underlay(sock_, config_.own_ips);
    plan_ = make_plan(config_, underlay_, peers);
    pass p;
    const nl::if_index device = sync_device(p);
    if (device) {
        sync_tunnel_addresses(p, device);
        sync_neighbours(p, device);
        sync_fdb(p, device);
    }
    sync_routes(p, device);
    if (!p.failures.empty()) {
        std::string message = "sync pod routes: " + std::to_string(p.failures.size()) + " change(s) failed";
        for (const auto& f : p.failures) message += "; " + f;
        throw sync_error(message, p.changes);
    }
    return p.changes;
}

// The VXLAN device as the plan wants it, or none; its index (0 when there is none).
nl::if_index pod_router::sync_device(pass& p) {
    const std::string name = in_quotes(config_.device);
    auto existing = nl::link::find_link(sock_, config_.device);
    if (existing && !existing->vxlan) {
        throw std::runtime_error("sync pod routes: link " + name + " exists and is not a VXLAN device (kind " +
                                 in_quotes(existing->kind) + "); it is left alone");
    }
    if (!plan_.needs_vxlan()) {
        if (existing) p.apply("remove VXLAN device " + name, [&] { nl::link::remove(sock_, *existing); });
        return {};
    }
    const auto& vx = existing ? *existing->vxlan : nl::vxlan_info{};
    const bool settings_right = existing && vx.vni == config_.vni && vx.port == config_.vxlan_port &&
                                vx.local == plan_.vxlan_local && vx.underlay == underlay_.ifindex && !vx.learning;
    if (existing && !settings_right) {
        // VNI, port, local address and underlay are fixed when the device is made: make it again.
        p.apply("remove VXLAN device " + name + " with outdated settings", [&] { nl::link::remove(sock_, *existing); });
        existing.reset();
    }
    const std::uint32_t mtu = vxlan_mtu(config_, underlay_);
    if (!existing) {
        p.apply("create VXLAN device " + name, [&] {
            nl::link::create_vxlan(sock_, {.name = config_.device,
                                           .vni = config_.vni,
                                           .port = config_.vxlan_port,
                                           .local = plan_.vxlan_local,
                                           .underlay = underlay_.ifindex,
                                           .mtu = mtu,
                                           .mac = plan_.vxlan_mac,
                                           .learning = false,
                                           .up = true});
        });
        existing = nl::link::find_link(sock_, config_.device);
        return existing ? existing->index : nl::if_index{};
    }
    nl::link::changes fix;
    if (existing->mtu != mtu) fix.mtu = mtu;
    if (existing->mac != plan_.vxlan_mac) fix.mac = plan_.vxlan_mac;
    if (!existing->up) fix.up = true;
    if (fix.mtu || fix.mac || fix.up) p.apply("set VXLAN device " + name, [&] { nl::link::change(sock_, *existing, fix); });
    return existing->index;
}

// This node's tunnel addresses on the device, and no other global address (an old pod range's);
// the kernel's link-local IPv6 address stays.
void pod_router::sync_tunnel_addresses(pass& p, nl::if_index device) {
    const auto present = nl::addr::list(sock_, device);
    for (const auto& wanted : plan_.tunnel_addresses) {
        const bool there = std::any_of(present.begin(), present.end(), [&](const nl::addr::entry& a) { return a.address == wanted; });
        if (there) continue;
        p.apply("add tunnel address " + wanted.to_string(), [&] {
            nl::addr::add(sock_, {.ifindex = device, .address = wanted, .nodad = !wanted.is_v4(), .replace = true});
        });
    }
    for (const auto& a : present) {
        if (a.scope != RT_SCOPE_UNIVERSE) continue;
        const bool wanted = std::find(plan_.tunnel_addresses.begin(), plan_.tunnel_addresses.end(), a.address) != plan_.tunnel_addresses.end();
        if (wanted) continue;
        p.apply("remove stale tunnel address " + a.address.to_string(), [&] { nl::addr::remove(sock_, device, a.address); });
    }
}

void pod_router::sync_neighbours(pass& p, nl::if_index device) {
    for (const auto f : families) {
        const auto present = nl::neigh::list(sock_, device, f);
        for (const auto& wanted : plan_.neighbours) {
            if (wanted.address.fam() != f) continue;
            const bool right = std::any_of(present.begin(), present.end(), [&](const nl::neigh::neighbour& n) {
                return n.address == wanted.address && n.lladdr == wanted.lladdr;
            });
            if (right) continue;
            p.apply("set neighbour " + wanted.address.to_string(), [&] {
                nl::neigh::replace(sock_, {.ifindex = device, .address = wanted.address, .lladdr = wanted.lladdr});
            });
        }
        for (const auto& n : present) {
            const bool wanted = std::any_of(plan_.neighbours.begin(), plan_.neighbours.end(),
                                            [&](const planned_neighbour& w) { return w.address == n.address; });
            if (wanted) continue;
            p.apply("remove stale neighbour " + n.address.to_string(), [&] { nl::neigh::remove(sock_, n); });
        }
    }
}

void pod_router::sync_fdb(pass& p, nl::if_index device) {
    const auto present = nl::neigh::list_fdb(sock_, device);
    auto entries_of = [&](const net::mac& mac) {
        return std::count_if(present.begin(), present.end(), [&](const nl::neigh::fdb_entry& e) { return e.lladdr == mac; });
    };
    for (const auto& wanted : plan_.fdb) {
        const auto count = entries_of(wanted.lladdr);
        const bool right = count == 1 && std::any_of(present.begin(), present.end(), [&](const nl::neigh::fdb_entry& e) {
                               return e.lladdr == wanted.lladdr && e.dst == wanted.dst;
                           });
        if (right) continue;
        p.apply("set fdb entry " + wanted.lladdr.to_string() + " dst " + wanted.dst.to_string(), [&] {
            // A MAC with several remotes would keep the others through a replace: drop them all first.
            if (count > 1) nl::neigh::remove_fdb(sock_, device, wanted.lladdr);
            nl::neigh::replace_fdb(sock_, {.ifindex = device, .lladdr = wanted.lladdr, .dst = wanted.dst});
        });
    }
    std::vector<net::mac> removed;
    for (const auto& e : present) {
        const bool wanted = std::any_of(plan_.fdb.begin(), plan_.fdb.end(), [&](const planned_fdb& w) { return w.lladdr == e.lladdr; });
        if (wanted || std::find(removed.begin(), removed.end(), e.lladdr) != removed.end()) continue;
        removed.push_back(e.lladdr);
        p.apply("remove stale fdb entry " + e.lladdr.to_string(), [&] { nl::neigh::remove_fdb(sock_, device, e.lladdr); });
    }
}

void pod_router::sync_routes(pass& p, nl::if_index device) {
    auto link_of = [&](const planned_route& r) { return r.via == path::vxlan ? device : underlay_.ifindex; };
    for (const auto f : families) {
        const auto present = nl::route::list(sock_, f, nl::route::filter{.table = RT_TABLE_MAIN, .protocol = route_protocol});
        auto is_wanted = [&](const nl::route::entry& e) {
            return std::any_of(plan_.routes.begin(), plan_.routes.end(), [&](const planned_route& r) {
                return r.dst == e.dst && e.gateway == r.gateway && e.ifindex == link_of(r) && e.onlink == r.onlink() &&
                       default_metric(e);
            });
        };
        for (const auto& wanted : plan_.routes) {
            if (wanted.dst.fam() != f) continue;
            if (wanted.via == path::vxlan && !device) continue;  // the device could not be made: reported
            const auto ifindex = link_of(wanted);
            const bool right = std::any_of(present.begin(), present.end(), [&](const nl::route::entry& e) {
                return e.dst == wanted.dst && e.gateway == wanted.gateway && e.ifindex == ifindex &&
                       e.onlink == wanted.onlink() && default_metric(e);
            });
            if (right) continue;
            p.apply("set route to " + wanted.dst.to_string() + " of node " + in_quotes(wanted.peer), [&] {
                nl::route::replace(sock_, {.dst = wanted.dst,
                                           .gateway = wanted.gateway,
                                           .ifindex = ifindex,
                                           .protocol = wanted.protocol,
                                           .onlink = wanted.onlink()});
            });
        }
        for (const auto& e : present) {
            if (is_wanted(e)) continue;
            // A wrong route with a wanted destination and the default metric was just replaced.
            const bool replaced = default_metric(e) && std::any_of(plan_.routes.begin(), plan_.routes.end(), [&](const planned_route& r) {
                                      return r.dst == e.dst && (r.via == path::underlay || device);
                                  });
            if (replaced) continue;
            p.apply("remove stale route to " + e.dst.to_string(), [&] {
                nl::route::remove(sock_, {.dst = e.dst, .gateway = e.gateway, .ifindex = e.ifindex, .table = e.table,
                                          .metric = e.metric});
            });
        }
    }
}

}  // namespace wharf::agent::routing
