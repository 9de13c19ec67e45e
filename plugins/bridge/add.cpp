// ADD: bridge, IPAM, veth pair, container side, gateway, nftables; undone in reverse on any failure.
#include <linux/netlink.h>

#include <optional>

#include "base/undo_stack.hpp"
#include "bridge.hpp"
#include "bridge_conf.hpp"
#include "cni/error.hpp"
#include "cni/ipam_exec.hpp"
#include "commands.hpp"
#include "container_side.hpp"
#include "firewall.hpp"
#include "gateway.hpp"
#include "log/logging.hpp"
#include "netlink/link.hpp"
#include "netlink/request.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "cni/owner_tag.hpp"
#include "sys/wanted_sysctls.hpp"
#include "veth.hpp"

namespace wharf::bridge {

cni::result add(const cni::context& ctx) {
    const bridge_conf conf = parse_bridge_conf(ctx.conf, ctx.req);
    auto ns = netns::handle::open(ctx.req.netns);
    // What a compensation uses is declared before the undo stack, so that it outlives the compensations
    // (locals die in reverse order), or copied into it (the veth's name, the owner tag); the sockets
    // are opened once IPAM runs.
    std::optional<netlink::socket> host_socket, container_socket;
    lazy_nft_socket nft_socket;
    std::optional<shared_state> state;
    std::optional<cni::pending_ipam> ipam;
    bool ipam_finished = false;
    undo_stack undo;

    // IPAM runs in its own process while this one builds the bridge and the veth pair. It starts
    // first: its process start and its durable writes are the longest step of an ADD.
    if (conf.has_ipam) {
        ipam.emplace(cni::pending_ipam::start_add(ctx));
        undo.push("release the IPAM reservation", [&] {
            if (!ipam_finished) {
                ipam_finished = true;
                try {
                    ipam->finish();
                } catch (const std::exception& e) {
                    log::debug("IPAM ADD failed during rollback: {}", e.what());
                }
            }
            cni::ipam_del(ctx);
        });
    }

    netlink::socket& host = host_socket.emplace(netlink::socket::open(NETLINK_ROUTE));
    netlink::socket& container = container_socket.emplace(netns::open_socket(ns, NETLINK_ROUTE));

    netlink::link_info br = ensure_bridge(host, conf);

    const std::string tag = cni::owner_tag(ctx.conf.name, ctx.req.container_id, ctx.req.ifname);
    veth_pair pair = create_veth_pair(host, container, ns, ctx.req.ifname, br, conf,
                                      veth_alias(tag, ctx.conf.name, ctx.req.container_id, ctx.req.ifname));
    undo.push("remove host veth " + pair.host_name, [&, name = pair.host_name] { netlink::link::remove(host, name); });
    if (conf.vlan_filtering()) {
        netlink::with_context("set the VLANs of host veth \"" + pair.host_name + "\"", [&] {
            setup_port_vlans(host, netlink::link::get_link(host, pair.host_name).index, conf);
        });
    }
    const std::string inside_where = "configure \"" + ctx.req.ifname + "\" in " + ctx.req.netns;
    const netlink::link_info inside =
        netlink::with_context(inside_where, [&] { return netlink::link::get_link(container, ctx.req.ifname); });

    // Opened while IPAM still runs: the rules need its addresses, the socket does not.
    if (conf.needs_nft()) nft_socket.get();
    cni::result r;
    r.cni_version = ctx.conf.cni_version;
    r.interfaces.push_back({.name = br.name, .mac = br.mac ? br.mac->to_string() : ""});
    r.interfaces.push_back({.name = pair.host_name, .mac = pair.host_mac.to_string()});
    r.interfaces.push_back({.name = ctx.req.ifname,
                            .mac = pair.container_mac.to_string(),
                            .mtu = static_cast<int>(inside.mtu),
                            .sandbox = ctx.req.netns});

    if (conf.has_ipam) {
        ipam_finished = true;  // its answer is read now, whether it succeeds or throws
        cni::result assigned = ipam->finish();
        if (assigned.ips.empty())
            throw cni::error(cni::code::internal, "IPAM plugin returned no IP configuration", "ipam.type");
        r.ips = std::move(assigned.ips);
        r.routes = std::move(assigned.routes);
        r.dns = std::move(assigned.dns);
        std::vector<net::prefix> gateways = apply_gateways(r, conf);
        netlink::with_context(inside_where, [&] { configure_container(container, inside, r, conf); });
        if (conf.is_gateway) {
            netlink::with_context("put the gateways on bridge \"" + br.name + "\"",
                                  [&] { ensure_gateways(host, br, gateways, conf.force_address); });
            bool v4 = false, v6 = false;
            for (const auto& gw : gateways) (gw.is_v4() ? v4 : v6) = true;
            if (v4) enable_forwarding(net::family::v4);
            if (v6) enable_forwarding(net::family::v6);
            // Recorded for wharfd, GC and `wharf reconcile` to keep while the attachment lives.
            std::vector<sys::sysctl_setting> wanted;
            if (v4) wanted.push_back({"net/ipv4/ip_forward", "1"});
            if (v6) wanted.push_back({"net/ipv6/conf/all/forwarding", "1"});
            if (!wanted.empty()) {
                sys::wanted_sysctls::here().want(state_owner, tag, wanted);
                undo.push("drop the recorded sysctls", [owner = tag] { sys::wanted_sysctls::here().drop(state_owner, owner); });
            }
        }
    } else if (!conf.disable_container_interface) {
        netlink::with_context(inside_where, [&] { netlink::link::set_up(container, inside); });
    }

    // The network's shared pieces: made by its first ADD, only read by the others. Then this
    // attachment's own spoof-check entries. Both are undone if IPAM's exit status (below) says it
    // failed after printing its result.
    if (const network_pieces pieces = network_pieces::of(conf, r.ips); !pieces.empty()) {
        state.emplace(shared_state::open(state_owner));
        undo.push("leave the network's shared nftables state", [&, owner = tag] {
            leave_network(nft_socket, *state, owner);
        });
        join_network(nft_socket, *state, tag, pieces);
    }
    if (conf.macspoofchk) {
        if (!state) state.emplace(shared_state::open(state_owner));
        undo.push("remove the spoof-check entries of " + tag, [&, owner = tag] { remove_spoof_check(nft_socket, *state, owner); });
        add_spoof_check(nft_socket.get(), *state, {.tag = tag, .host_veth = pair.host_name, .mac = pair.container_mac});
    }

    // A bridge whose MAC was never pinned takes one from its ports: report what it has now.
    if (auto now = netlink::link::find_link(host, br.index); now && now->mac) r.interfaces[0].mac = now->mac->to_string();
    if (ctx.conf.dns) r.dns = *ctx.conf.dns;
    if (ipam) ipam->confirm();  // the delegate's exit status, read only now (see cni::pending_ipam::finish)
    undo.dismiss();
    return r;
}

}  // namespace wharf::bridge
