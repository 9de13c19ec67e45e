// STATUS: the bridge is usable or can be made, the nftables API answers, and IPAM is ready.
#include <linux/netlink.h>

#include "bridge_conf.hpp"
#include "cni/error.hpp"
#include "cni/ipam_exec.hpp"
#include "commands.hpp"
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
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "the nftables API does not answer", e.what());
    }
    if (conf.has_ipam) cni::ipam_status(ctx);
}

}  // namespace wharf::bridge
