// STATUS: the bridge is usable or can be made, the nftables API answers, and IPAM is ready. A
// network whose running containers lost pieces of nftables (a flushed ruleset) can still serve ADD,
// so it stays ready (the spec's 50 and 51 mean it cannot): the degradation is a warning on stderr.
#include <linux/netlink.h>

#include "bridge_conf.hpp"
#include "cni/error.hpp"
#include "cni/ipam_exec.hpp"
#include "cni/owner_tag.hpp"
#include "commands.hpp"
#include "firewall.hpp"
#include "log/logging.hpp"
#include "netlink/link.hpp"
#include "netlink/netfilter_socket.hpp"
#include "nft/list.hpp"

namespace wharf::bridge {

void status(const cni::context& ctx) {
    const bridge_conf conf = parse_bridge_conf(ctx.conf, ctx.req);
    try {
        auto host = netlink::socket::open(NETLINK_ROUTE);
        auto br = netlink::link::find_link(host, conf.bridge);
        if (br && br->kind != "bridge")
            throw cni::error(cni::code::not_available, "\"" + conf.bridge + "\" exists but is not a bridge",
                             "kind \"" + br->kind + "\"");
    } catch (const cni::error&) {
        throw;
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "rtnetlink does not answer", e.what());
    }
    try {
        auto sock = netlink::netfilter_socket();
        nft::list_tables(sock, nft::family::inet);
        if (const auto state = shared_state::existing(state_owner)) {
            const std::string prefix = cni::network_tag_prefix(ctx.conf.name);
            const auto missing = missing_network_pieces(sock, *state, [&](const std::string& t) { return t.starts_with(prefix); });
            std::string names;
            for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
            if (!missing.empty())
                log::warn("network {} is degraded: its containers rely on {}, missing from nftables (a flushed ruleset, a "
                          "firewall reload?); wharfd, the network's GC or `wharf reconcile` makes it again",
                          ctx.conf.name, names);
        }
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "the nftables API does not answer", e.what());
    }
    if (conf.has_ipam) cni::ipam_status(ctx);
}

}  // namespace wharf::bridge
