#include "portmap.hpp"

#include <set>

#include "cni/error.hpp"
#include "conntrack.hpp"
#include "host_route.hpp"
#include "log/logging.hpp"
#include "netlink/socket.hpp"
#include "nft/list.hpp"
#include "cni/owner_tag.hpp"
#include "portmap_conf.hpp"
#include "ports.hpp"

namespace wharf::portmap {

namespace {

std::string attachment_tag(const cni::context& ctx) { return cni::owner_tag(ctx.conf.name, ctx.req.container_id, ctx.req.ifname); }

// Stale UDP entries would keep sending a port's traffic to where it went before; failures only log.
void flush_conntrack(const touched_ports& ports) {
    for (net::family f : {net::family::v4, net::family::v6}) {
        const auto& udp = f == net::family::v4 ? ports.udp_v4 : ports.udp_v6;
        try {
            std::size_t n = flush_udp_conntrack(f, udp);
            if (n > 0) log::info("deleted {} stale UDP conntrack entries", n);
        } catch (const std::exception& e) {
            log::warn("cannot delete stale UDP conntrack entries: {}", e.what());
        }
    }
}

}  // namespace

cni::result add(const cni::context& ctx) {
    const portmap_conf conf = parse_portmap_conf(ctx.conf, ctx.req);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "portmap must be chained: prevResult is missing",
                         "list portmap after the plugin that creates the interface (e.g. bridge) in a conflist");
    cni::result r = *ctx.conf.prev_result;
    r.cni_version = ctx.conf.cni_version;
    if (conf.mappings.empty() || (!conf.container_v4 && !conf.container_v6)) return r;

    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const touched_ports published = publish(sock, conf, attachment_tag(ctx));

    // 127.0.0.1:hostPort: the kernel routes a loopback source out of an interface only with route_localnet.
    if (conf.snat && published.v4) {
        try {
            enable_route_localnet(route_interface(conf.container_v4->address()));
        } catch (const std::exception& e) {
            log::warn("cannot enable route_localnet toward {}: {}", conf.container_v4->address().to_string(), e.what());
        }
    }
    flush_conntrack(published);
    return r;
}

void del(const cni::context& ctx) {
    const portmap_conf conf = parse_portmap_conf(ctx.conf, ctx.req);
    const std::string tag = attachment_tag(ctx);
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    touched_ports withdrawn = withdraw(sock, [&](const std::string& t) { return t == tag; });
    // Also the UDP ports the runtime names, in case a previous DEL withdrew them but died before flushing.
    for (const auto& m : conf.mappings) {
        if (m.protocol != IPPROTO_UDP) continue;
        if (m.applies_to(net::family::v4)) withdrawn.udp_v4.insert(m.host_port);
        if (m.applies_to(net::family::v6)) withdrawn.udp_v6.insert(m.host_port);
    }
    flush_conntrack(withdrawn);
}

void check(const cni::context& ctx) {
    const portmap_conf conf = parse_portmap_conf(ctx.conf, ctx.req);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "portmap CHECK needs prevResult", "it is missing from the config");
    if (conf.mappings.empty()) return;
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    verify(sock, conf, attachment_tag(ctx));
}

void status(const cni::context& ctx) {
    parse_portmap_conf(ctx.conf, ctx.req);
    try {
        auto sock = netlink::socket::open(NETLINK_NETFILTER);
        nft::list_tables(sock, nft::family::inet);
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "the nftables API does not answer", e.what());
    }
}

void gc(const cni::context& ctx) {
    const std::string prefix = cni::network_tag_prefix(ctx.conf.name);
    std::set<std::string> valid;
    for (const auto& a : ctx.conf.valid_attachments) valid.insert(cni::owner_tag(ctx.conf.name, a.container_id, a.ifname));
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    touched_ports withdrawn =
        withdraw(sock, [&](const std::string& t) { return t.starts_with(prefix) && !valid.contains(t); });
    flush_conntrack(withdrawn);
}

}  // namespace wharf::portmap
