// CHECK: everything ADD made is still as ADD made it, read back from the kernel and compared with
// prevResult and the config; then IPAM CHECK.
#include <linux/netlink.h>
#include <net/if.h>

#include <algorithm>

#include "bridge_conf.hpp"
#include "cni/error.hpp"
#include "cni/ipam_exec.hpp"
#include "commands.hpp"
#include "firewall.hpp"
#include "netlink/addr.hpp"
#include "netlink/bridge_port.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "sys/shared_state.hpp"
#include "cni/owner_tag.hpp"
#include "veth.hpp"

namespace wharf::bridge {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& details = {}) {
    throw cni::error(cni::code::internal, "CHECK: " + what, details);
}

const cni::interface_entry* find_interface(const cni::result& r, const std::string& name, bool in_sandbox) {
    for (const auto& i : r.interfaces)
        if (i.name == name && i.sandbox.empty() != in_sandbox) return &i;
    return nullptr;
}

void check_mac(const cni::interface_entry* expected, const netlink::link_info& link) {
    if (!expected || expected->mac.empty()) return;
    std::string actual = link.mac ? link.mac->to_string() : "";
    auto want = net::mac::parse(expected->mac);
    if (!want || !link.mac || *want != *link.mac)
        fail("interface \"" + link.name + "\" has MAC " + actual + ", prevResult says " + expected->mac);
}

void check_vlans(netlink::socket& host, const netlink::link_info& port, const bridge_conf& conf) {
    if (!conf.vlan_filtering()) return;
    auto vlans = netlink::bridge::list_vlans(host, port.index);
    auto has = [&](std::uint16_t vid, bool pvid_untagged) {
        return std::any_of(vlans.begin(), vlans.end(), [&](const netlink::bridge::vlan& v) {
            return v.vid == vid && (!pvid_untagged || (v.pvid && v.untagged));
        });
    };
    if (conf.vlan != 0 && !has(conf.vlan, true))
        fail("host veth \"" + port.name + "\" lacks VLAN " + std::to_string(conf.vlan) + " (pvid untagged)");
    for (auto vid : conf.vlan_trunk)
        if (!has(vid, false)) fail("host veth \"" + port.name + "\" lacks trunk VLAN " + std::to_string(vid));
}

void check_addresses_and_routes(netlink::socket& container, const netlink::link_info& inside, const cni::result& prev) {
    auto addrs = netlink::addr::list(container, inside.index);
    for (const auto& ip : prev.ips) {
        bool found = std::any_of(addrs.begin(), addrs.end(), [&](const auto& a) { return a.address == ip.address; });
        if (!found) fail("address " + ip.address.to_string() + " is missing on \"" + inside.name + "\"");
    }
    for (const auto& rt : prev.routes) {
        auto routes = netlink::route::list(container, rt.dst.fam());
        bool found = std::any_of(routes.begin(), routes.end(), [&](const netlink::route::entry& e) {
            return e.dst == rt.dst.canonical() && (!rt.gw || e.gateway == rt.gw) &&
                   (!rt.table || e.table == static_cast<std::uint32_t>(*rt.table));
        });
        if (!found)
            fail("route to " + rt.dst.to_string() + (rt.gw ? " via " + rt.gw->to_string() : "") + " is missing",
                 "in " + inside.name + "'s namespace");
    }
}

}  // namespace

void check(const cni::context& ctx) {
    const bridge_conf conf = parse_bridge_conf(ctx.conf, ctx.req);
    if (conf.has_ipam) cni::ipam_check(ctx);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "CHECK needs prevResult in the config", "prevResult");
    const cni::result& prev = *ctx.conf.prev_result;

    auto host = netlink::socket::open(NETLINK_ROUTE);
    auto br = netlink::link::find_link(host, conf.bridge);
    if (!br) fail("bridge \"" + conf.bridge + "\" does not exist");
    if (br->kind != "bridge") fail("\"" + conf.bridge + "\" is not a bridge", "kind \"" + br->kind + "\"");
    if (!br->up) fail("bridge \"" + conf.bridge + "\" is down");
    check_mac(find_interface(prev, conf.bridge, false), *br);
    if (((br->flags & IFF_PROMISC) != 0) != conf.promisc)
        fail("bridge \"" + conf.bridge + "\" promiscuous mode is not " + (conf.promisc ? "on" : "off"));

    auto ns = netns::handle::open(ctx.req.netns);
    auto container = netns::open_socket(ns, NETLINK_ROUTE);
    auto inside = netlink::link::find_link(container, ctx.req.ifname);
    if (!inside) fail("container interface \"" + ctx.req.ifname + "\" does not exist in " + ctx.req.netns);
    if (inside->kind != "veth") fail("container interface \"" + ctx.req.ifname + "\" is not a veth");
    const cni::interface_entry* prev_inside = find_interface(prev, ctx.req.ifname, true);
    if (prev_inside && prev_inside->sandbox != ctx.req.netns)
        fail("prevResult puts \"" + ctx.req.ifname + "\" in " + prev_inside->sandbox + ", not " + ctx.req.netns);
    check_mac(prev_inside, *inside);
    if (conf.mtu && inside->mtu != *conf.mtu)
        fail("container interface MTU is " + std::to_string(inside->mtu) + ", config says " + std::to_string(*conf.mtu));
    if (inside->up == conf.disable_container_interface)
        fail("container interface \"" + ctx.req.ifname + "\" is " + (inside->up ? "up" : "down"));

    const std::string tag = cni::owner_tag(ctx.conf.name, ctx.req.container_id, ctx.req.ifname);
    std::optional<netlink::link_info> port;
    for (auto& v : list_tagged_veths(host, br->index))
        if (v.tag == tag) port = std::move(v.link);
    if (!port) fail("no host veth of this attachment is a port of \"" + conf.bridge + "\"", tag);
    if (port->link != inside->index || inside->link != port->index)
        fail("host veth \"" + port->name + "\" is not the peer of \"" + ctx.req.ifname + "\"");
    if (!port->up) fail("host veth \"" + port->name + "\" is down");
    check_mac(find_interface(prev, port->name, false), *port);
    auto flags = netlink::bridge::get_port(host, port->index);
    if (!flags) fail("host veth \"" + port->name + "\" is not a bridge port");
    if (flags->hairpin != conf.hairpin) fail("hairpin mode of \"" + port->name + "\" is not " + (conf.hairpin ? "on" : "off"));
    if (flags->isolated != conf.port_isolation)
        fail("port isolation of \"" + port->name + "\" is not " + (conf.port_isolation ? "on" : "off"));
    check_vlans(host, *port, conf);

    check_addresses_and_routes(container, *inside, prev);

    const network_pieces pieces = network_pieces::of(conf, prev.ips);
    lazy_nft_socket sock;
    if (!pieces.empty()) verify_network(sock.get(), shared_state::open(state_owner), tag, pieces);
    if (conf.macspoofchk && inside->mac)
        verify_spoof_rule(sock.get(), {.tag = tag, .host_veth = port->name, .mac = *inside->mac});
}

}  // namespace wharf::bridge
