// GC: everything tagged for this network whose attachment is not in cni.dev/valid-attachments goes:
// host veths and nftables entries; then IPAM GC. The network pieces the valid attachments use (a
// subnet's masquerade, the isolation entries) are made again if nftables lost them (a flushed
// ruleset). All failures are reported, none stops the rest.
#include <linux/netlink.h>

#include <set>

#include "bridge_conf.hpp"
#include "cni/ipam_exec.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "firewall.hpp"
#include "log/logging.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"
#include "cni/owner_tag.hpp"
#include "sys/shared_state.hpp"
#include "sys/wanted_sysctls.hpp"
#include "veth.hpp"

namespace wharf::bridge {

void gc(const cni::context& ctx) {
    const bridge_conf conf = parse_bridge_conf(ctx.conf, ctx.req);
    const std::string prefix = cni::network_tag_prefix(ctx.conf.name);
    std::set<std::string> valid;
    for (const auto& a : ctx.conf.valid_attachments) valid.insert(cni::owner_tag(ctx.conf.name, a.container_id, a.ifname));
    auto stale = [&](const std::string& tag) { return tag.starts_with(prefix) && !valid.contains(tag); };
    error_list errors;

    errors.attempt("remove stale host veths", [&] {
        auto host = netlink::socket::open(NETLINK_ROUTE);
        auto br = netlink::link::find_link(host, conf.bridge);
        netlink::if_index index = br && br->kind == "bridge" ? br->index : netlink::if_index{};
        for (const auto& v : list_tagged_veths(host, index)) {
            if (!stale(v.tag)) continue;
            errors.attempt("remove stale host veth " + v.link.name, [&] {
                netlink::link::remove(host, v.link.index);
                log::info("GC: removed host veth {} ({})", v.link.name, v.tag);
            });
        }
    });
    lazy_nft_socket sock;
    errors.attempt("drop stale attachments from the network's shared nftables state", [&] {
        auto state = shared_state::existing(state_owner);
        std::size_t n = state ? collect_network(sock, *state, stale) : 0;
        if (n != 0) log::info("GC: dropped {} stale attachments of network {}", n, ctx.conf.name);
    });
    errors.attempt("restore the network's shared nftables state", [&] {
        auto state = shared_state::existing(state_owner);
        if (!state) return;
        for (const auto& piece : restore_network(sock, *state, [&](const std::string& t) { return valid.contains(t); }))
            log::info("GC: restored {} of network {} (it was missing from nftables)", piece, ctx.conf.name);
    });
    errors.attempt("keep the sysctls the valid attachments rely on", [&] {
        const auto sysctls = sys::wanted_sysctls::here();
        sysctls.drop_stale(state_owner, stale);
        for (const auto& change : sys::restore_sysctls(sysctls.all(state_owner, [&](const std::string& t) { return valid.contains(t); }))) log::info("GC: set {} again", change);
    });
    errors.attempt("remove stale spoof-check entries", [&] {
        std::size_t n = remove_owned(sock.get(), stale);
        if (n != 0) log::info("GC: removed {} nftables entries of network {}", n, ctx.conf.name);
        if (auto state = shared_state::existing(state_owner)) drop_stale_spoof_records(*state, stale);
    });
    errors.attempt("restore the valid attachments' spoof-check entries", [&] {
        auto state = shared_state::existing(state_owner);
        if (!state) return;
        for (const auto& tag : restore_spoof_checks(sock, *state, [&](const std::string& t) { return valid.contains(t); }))
            log::info("GC: restored the spoof-check entries of {} (they were missing from nftables)", tag);
    });
    if (conf.has_ipam) errors.attempt("IPAM GC", [&] { cni::ipam_gc(ctx); });
    errors.throw_if_any("GC of network " + ctx.conf.name);
}

}  // namespace wharf::bridge
