// DEL: host veth (found by its owner tag, so no namespace is needed), nftables entries, IPAM.
// Every step runs even when an earlier one failed; all failures are reported together.
#include <linux/netlink.h>

#include <exception>
#include <thread>

#include "bridge_conf.hpp"
#include "cni/ipam_exec.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "firewall.hpp"
#include "log/logging.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "cni/owner_tag.hpp"
#include "sys/shared_state.hpp"
#include "sys/wanted_sysctls.hpp"
#include "veth.hpp"

namespace wharf::bridge {

namespace {

// The bridge's index when `name` is a bridge here, else 0 (then every veth is searched).
netlink::if_index bridge_index(netlink::socket& host, const std::string& name) {
    auto br = netlink::link::find_link(host, name);
    return br && br->kind == "bridge" ? br->index : netlink::if_index{};
}

// The container end, when the namespace still exists and holds a veth of that name.
bool remove_inside(const cni::context& ctx) {
    if (ctx.req.netns.empty()) return false;
    std::optional<netns::handle> ns;
    try {
        ns = netns::handle::open(ctx.req.netns);
    } catch (const netns::not_found&) {
        return false;
    } catch (const netns::not_a_namespace&) {
        return false;  // a stale path reused by something else: nothing of ours in there
    }
    auto container = netns::open_socket(*ns, NETLINK_ROUTE);
    auto link = netlink::link::find_link(container, ctx.req.ifname);
    if (!link || link->kind != "veth") return false;
    return netlink::link::remove(container, link->index);
}

}  // namespace

void del(const cni::context& ctx) {
    const bridge_conf conf = parse_bridge_conf(ctx.conf, ctx.req);
    const std::string tag = cni::owner_tag(ctx.conf.name, ctx.req.container_id, ctx.req.ifname);
    error_list errors;

    // IPAM DEL runs in a thread of its own while the veth pair goes: removing a network device waits
    // for the kernel's RCU grace periods (docs/costs.md), and the delegate's process start and store
    // update wait for none of that. The order does not matter: the reference releases the address first.
    std::exception_ptr ipam_failure;
    std::jthread ipam_release;
    if (conf.has_ipam) {
        ipam_release = std::jthread([&] {
            try {
                cni::ipam_del(ctx);
            } catch (...) {
                ipam_failure = std::current_exception();
            }
        });
    }

    errors.attempt("remove the veth pair", [&] {
        auto host = netlink::socket::open(NETLINK_ROUTE);
        bool removed = false;
        for (const auto& v : list_tagged_veths(host, bridge_index(host, conf.bridge)))
            if (v.tag == tag) removed = netlink::link::remove(host, v.link.index) || removed;
        if (!removed) removed = remove_inside(ctx);
        log::debug("DEL {}: veth pair {}", tag, removed ? "removed" : "already gone");
    });
    // The attachment's record says which of the network's pieces it used (no prevResult needed);
    // nftables is touched only when it was their last user, or for the spoof check's entries.
    lazy_nft_socket sock;
    errors.attempt("leave the network's shared nftables state", [&] {
        if (auto state = shared_state::existing(state_owner)) leave_network(sock, *state, tag);
    });
    errors.attempt("drop the recorded sysctls", [&] { sys::wanted_sysctls::here().drop(state_owner, tag); });
    if (conf.macspoofchk) {
        errors.attempt("remove the spoof-check entries", [&] {
            if (auto state = shared_state::existing(state_owner)) remove_spoof_check(sock, *state, tag);
            else remove_owned(sock.get(), [&](const std::string& t) { return t == tag; });
        });
    }
    if (ipam_release.joinable()) {
        ipam_release.join();
        errors.attempt("release the IPAM reservation", [&] {
            if (ipam_failure) std::rethrow_exception(ipam_failure);
        });
    }
    errors.throw_if_any("DEL of " + ctx.req.container_id + "/" + ctx.req.ifname + " on network " + ctx.conf.name);
}

}  // namespace wharf::bridge
