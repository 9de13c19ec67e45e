#include "loopback.hpp"

#include <linux/netlink.h>

#include "cni/error.hpp"
#include "log/logging.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"

namespace wharf::loopback {

namespace {

constexpr const char* loopback_name = "lo";

netlink::link_info get_lo(netlink::socket& sock) {
    auto lo = netlink::link::find_link(sock, loopback_name);
    if (!lo) throw cni::error(cni::code::internal, "the network namespace has no loopback interface", loopback_name);
    return *lo;
}

}  // namespace

cni::result add(const cni::context& ctx) {
    auto ns = netns::handle::open(ctx.req.netns);
    auto sock = netns::open_socket(ns, NETLINK_ROUTE);
    auto lo = get_lo(sock);
    netlink::link::set_up(sock, lo.index);

    // Chained after another plugin, loopback passes its result through untouched.
    if (ctx.conf.prev_result) {
        cni::result r = *ctx.conf.prev_result;
        r.cni_version = ctx.conf.cni_version;
        return r;
    }
    cni::result r;
    r.cni_version = ctx.conf.cni_version;
    r.interfaces.push_back({.name = loopback_name, .mac = "00:00:00:00:00:00", .sandbox = ctx.req.netns});
    // Report what the kernel actually gave lo (::1 is absent when IPv6 is disabled there).
    for (const auto& a : netlink::addr::list(sock, lo.index)) {
        if (a.address.address().is_loopback()) r.ips.push_back({.address = a.address, .interface = 0});
    }
    return r;
}

void del(const cni::context& ctx) {
    if (ctx.req.netns.empty()) return;  // the runtime already tore the namespace down: nothing to undo
    std::optional<netns::handle> ns;
    try {
        ns = netns::handle::open(ctx.req.netns);
    } catch (const netns::not_found&) {
        log::debug("DEL: namespace {} is gone; nothing to do", ctx.req.netns);
        return;
    }
    auto sock = netns::open_socket(*ns, NETLINK_ROUTE);
    auto lo = netlink::link::find_link(sock, loopback_name);
    if (lo) netlink::link::set_down(sock, lo->index);
}

void check(const cni::context& ctx) {
    auto ns = netns::handle::open(ctx.req.netns);
    auto sock = netns::open_socket(ns, NETLINK_ROUTE);
    auto lo = get_lo(sock);
    if (!lo.up)
        throw cni::error(cni::code::internal, "loopback interface is down", "lo in " + ctx.req.netns);
}

}  // namespace wharf::loopback
