#include "routing/plan.hpp"

#include <algorithm>

namespace wharf::agent::routing {

namespace {

std::optional<net::ip_address> first_of(const std::vector<net::ip_address>& ips, net::family f) {
    for (const auto& ip : ips)
        if (ip.fam() == f) return ip;
    return std::nullopt;
}

bool on_segment(const underlay& own, const net::ip_address& ip) {
    return std::any_of(own.on_link.begin(), own.on_link.end(), [&](const net::prefix& p) { return p.contains(ip); });
}

unsigned overhead(const router_config& config) {
    const auto local = vxlan_local_address(config);
    return local && local->is_v6() ? vxlan_overhead_v6 : vxlan_overhead_v4;
}

class planner {
public:
    planner(const router_config& config, const underlay& own) : config_(config), own_(own) {
        result_.vxlan_local = vxlan_local_address(config);
        result_.vxlan_mac = vxlan_mac(config.node_name);
    }

    void add_peer(const peer& p) {
        if (p.name == config_.node_name) return skip(p, "it is this node");
        if (p.pod_cidrs.empty()) return skip(p, "it has no pod CIDR");
        for (const auto& cidr : p.pod_cidrs) add_range(p, cidr.canonical());
    }

    plan finish() {
        if (result_.needs_vxlan()) {
            for (const auto& cidr : config_.own_pod_cidrs) {
                const auto address = tunnel_address(cidr);
                result_.tunnel_addresses.emplace_back(address, address.bits());
            }
        }
        return std::move(result_);
    }

private:
    void skip(const peer& p, std::string reason) { result_.skipped.push_back({p.name, std::move(reason)}); }

    void add_range(const peer& p, const net::prefix& cidr) {
        const std::string range = "pod CIDR " + cidr.to_string();
        for (const auto& own : config_.own_pod_cidrs) {
            if (own.overlaps(cidr)) return skip(p, range + " overlaps this node's " + own.canonical().to_string());
        }
        for (const auto& r : result_.routes) {
            if (r.dst.overlaps(cidr)) return skip(p, range + " overlaps " + r.dst.to_string() + " of node " + r.peer);
        }
        const auto same_family_ip = first_of(p.internal_ips, cidr.fam());
        const bool direct = same_family_ip && on_segment(own_, *same_family_ip);
        switch (config_.mode) {
            case backend::host_gw:
                if (!same_family_ip) return skip(p, range + ": no InternalIP of its family");
                if (!direct) return skip(p, range + ": " + same_family_ip->to_string() + " is not on this node's L2 segment");
                return add_direct(p, cidr, *same_family_ip);
            case backend::auto_:
                if (direct) return add_direct(p, cidr, *same_family_ip);
                return add_tunnelled(p, cidr);
            case backend::vxlan:
                return add_tunnelled(p, cidr);
        }
    }

    void add_direct(const peer& p, const net::prefix& cidr, const net::ip_address& gateway) {
        result_.routes.push_back({.dst = cidr, .gateway = gateway, .via = path::underlay, .peer = p.name});
    }

    void add_tunnelled(const peer& p, const net::prefix& cidr) {
        const std::string range = "pod CIDR " + cidr.to_string();
        if (!result_.vxlan_local) return skip(p, range + ": this node has no InternalIP to carry VXLAN");
        const auto remote = first_of(p.internal_ips, result_.vxlan_local->fam());
        if (!remote) return skip(p, range + ": no InternalIP of this node's VXLAN underlay family");
        const net::mac mac = vxlan_mac(p.name);
        const net::ip_address gateway = tunnel_address(cidr);
        result_.routes.push_back({.dst = cidr, .gateway = gateway, .via = path::vxlan, .peer = p.name});
        result_.neighbours.push_back({.address = gateway, .lladdr = mac});
        const planned_fdb entry{.lladdr = mac, .dst = *remote};
        if (std::find(result_.fdb.begin(), result_.fdb.end(), entry) == result_.fdb.end()) result_.fdb.push_back(entry);
    }

    const router_config& config_;
    const underlay& own_;
    plan result_;
};

}  // namespace

std::optional<net::ip_address> vxlan_local_address(const router_config& config) {
    if (auto v4 = first_of(config.own_ips, net::family::v4)) return v4;
    return first_of(config.own_ips, net::family::v6);
}

plan make_plan(const router_config& config, const underlay& own, const std::vector<peer>& peers) {
    planner p(config, own);
    for (const auto& each : peers) p.add_peer(each);
    return p.finish();
}

unsigned vxlan_mtu(const router_config& config, const underlay& own) {
    const unsigned less = overhead(config);
    return own.mtu > less ? own.mtu - less : 0;
}

unsigned pod_mtu(const router_config& config, const underlay& own) {
    if (config.mode == backend::host_gw) return own.mtu;
    return vxlan_mtu(config, own);
}

}  // namespace wharf::agent::routing
