#include "container_link.hpp"

#include "cni/error.hpp"

namespace wharf::tuning {

namespace {

std::optional<container_link> find_in(netns::handle ns, const std::string& ifname) {
    auto sock = netns::open_socket(ns, NETLINK_ROUTE);
    auto link = netlink::link::find_link(sock, ifname);
    if (!link) return std::nullopt;
    return container_link{std::move(ns), std::move(sock), std::move(*link)};
}

}  // namespace

container_link open_container_link(const cni::context& ctx) {
    auto found = find_in(netns::handle::open(ctx.req.netns), ctx.req.ifname);
    if (!found)
        throw cni::error(cni::code::internal, "no interface \"" + ctx.req.ifname + "\" to tune in " + ctx.req.netns,
                         "the plugin before tuning in the chain creates it");
    return std::move(*found);
}

std::optional<container_link> find_container_link(const cni::context& ctx) {
    if (ctx.req.netns.empty()) return std::nullopt;
    try {
        return find_in(netns::handle::open(ctx.req.netns), ctx.req.ifname);
    } catch (const netns::not_found&) {
        return std::nullopt;
    }
}

}  // namespace wharf::tuning
