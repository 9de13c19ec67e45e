#include "netlink/link.hpp"

#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <cerrno>
#include <stdexcept>

#include "base/in_quotes.hpp"
#include "netlink/attr_parser.hpp"
#include "netlink/error.hpp"
#include "netlink/request.hpp"

namespace wharf::netlink {

std::string link_ref::to_string() const {
    if (!name.empty()) return in_quotes(name);
    return std::string("#").append(std::to_string(index.value));
}

namespace link {

namespace {

std::string on_off(bool on) { return on ? "on" : "off"; }

message link_message(std::uint16_t type, std::uint16_t flags, if_index index, std::uint8_t family = AF_UNSPEC) {
    message msg(type, flags);
    auto& ifi = msg.put_header<ifinfomsg>();
    ifi.ifi_family = family;
    ifi.ifi_index = index.value;
    return msg;
}

// A request about an existing link: by index when it has one, else by name.
message message_for(std::uint16_t type, const link_ref& link) {
    if (!link.index && link.name.empty()) throw std::invalid_argument("a link needs an index or a name");
    message msg = link_message(type, 0, link.index);
    if (!link.index) msg.put_strz(IFLA_IFNAME, link.name);
    return msg;
}

// RTM_NEWLINK creating `name` of `kind`; the caller adds IFLA_INFO_DATA through `data` if needed.
template <typename Data>
message new_link(std::string_view name, std::string_view kind, std::optional<std::uint32_t> mtu,
                 const std::optional<net::mac>& mac, Data&& data) {
    message msg = link_message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, {});
    msg.put_strz(IFLA_IFNAME, name);
    if (mtu) msg.put_u32(IFLA_MTU, *mtu);
    if (mac) msg.put_mac(IFLA_ADDRESS, *mac);
    nested info(msg, IFLA_LINKINFO);
    msg.put_strz(IFLA_INFO_KIND, kind);
    data(msg);
    info.close();
    return msg;
}

void set_flag(ifinfomsg& ifi, unsigned flag, std::optional<bool> on) {
    if (!on) return;
    ifi.ifi_change |= flag;
    if (*on) ifi.ifi_flags |= flag;
    else ifi.ifi_flags &= ~flag;
}

// The changes in the words of `ip link set`: up master #3 alias "x" hairpin on.
std::string describe(const changes& c) {
    std::string text;
    auto word = [&](const std::string& w) { text += (text.empty() ? "" : " ") + w; };
    if (c.up) word(*c.up ? "up" : "down");
    if (c.promisc) word("promisc " + on_off(*c.promisc));
    if (c.allmulti) word("allmulticast " + on_off(*c.allmulti));
    if (c.master) word(*c.master ? "master #" + std::to_string(c.master->value) : "nomaster");
    if (c.mtu) word("mtu " + std::to_string(*c.mtu));
    if (c.txqlen) word("txqueuelen " + std::to_string(*c.txqlen));
    if (c.mac) word("address " + c.mac->to_string());
    if (c.alias) word("alias " + in_quotes(*c.alias));
    if (c.netns_fd) word("netns fd " + std::to_string(*c.netns_fd));
    if (c.arp_notify) word("arp_notify " + on_off(*c.arp_notify));
    if (c.port.hairpin) word("hairpin " + on_off(*c.port.hairpin));
    if (c.port.isolated) word("isolated " + on_off(*c.port.isolated));
    if (c.port.learning) word("learning " + on_off(*c.port.learning));
    return text;
}

}  // namespace

message create_bridge_request(const bridge_options& o) {
    return new_link(o.name, "bridge", o.mtu, o.mac, [&](message& msg) {
        if (!o.vlan_filtering && !o.vlan_default_pvid) return;
        nested data(msg, IFLA_INFO_DATA);
        if (o.vlan_filtering) msg.put_u8(IFLA_BR_VLAN_FILTERING, *o.vlan_filtering ? 1 : 0);
        if (o.vlan_default_pvid) msg.put_u16(IFLA_BR_VLAN_DEFAULT_PVID, *o.vlan_default_pvid);
    });
}

message create_veth_request(const veth_options& o) {
    message msg = new_link(o.name, "veth", o.mtu, o.mac, [&](message& msg) {
        nested data(msg, IFLA_INFO_DATA);
        nested peer(msg, VETH_INFO_PEER);
        // The peer's own ifinfomsg comes first, then its attributes, as in a top-level RTM_NEWLINK.
        ifinfomsg peer_ifi{};
        peer_ifi.ifi_family = AF_UNSPEC;
        msg.put_raw(&peer_ifi, sizeof peer_ifi);
        msg.put_strz(IFLA_IFNAME, o.peer_name);
        if (o.peer_netns_fd >= 0) msg.put_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(o.peer_netns_fd));
        if (o.mtu) msg.put_u32(IFLA_MTU, *o.mtu);
        if (o.peer_mac) msg.put_mac(IFLA_ADDRESS, *o.peer_mac);
    });
    // rtnl_newlink_create applies the flags once the pair is registered, then the master.
    if (o.up) set_flag(msg.family_header<ifinfomsg>(), IFF_UP, true);
    if (o.master) msg.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(o.master.value));
    return msg;
}

message create_dummy_request(const dummy_options& o) {
    return new_link(o.name, "dummy", o.mtu, std::nullopt, [](message&) {});
}

message create_vxlan_request(const vxlan_options& o) {
    message msg = new_link(o.name, "vxlan", o.mtu, o.mac, [&](message& msg) {
        nested data(msg, IFLA_INFO_DATA);
        msg.put_u32(IFLA_VXLAN_ID, o.vni);
        msg.put_u16(IFLA_VXLAN_PORT, htons(o.port));  // the one attribute in network order
        if (o.local) msg.put_address(o.local->is_v4() ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, *o.local);
        if (o.underlay) msg.put_u32(IFLA_VXLAN_LINK, static_cast<std::uint32_t>(o.underlay.value));
        msg.put_u8(IFLA_VXLAN_LEARNING, o.learning ? 1 : 0);
        if (!o.local || o.local->is_v4()) {
            msg.put_u8(IFLA_VXLAN_UDP_CSUM, 1);
        } else {
            msg.put_u8(IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0);
            msg.put_u8(IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
        }
    });
    if (o.up) set_flag(msg.family_header<ifinfomsg>(), IFF_UP, true);
    return msg;
}

void create_vxlan(socket& sock, const vxlan_options& options) {
    message msg = create_vxlan_request(options);
    sock.request(msg, "create vxlan " + in_quotes(options.name) + " id " + std::to_string(options.vni));
}

void create_bridge(socket& sock, const bridge_options& options) {
    message msg = create_bridge_request(options);
    sock.request(msg, "create bridge " + in_quotes(options.name));
}

void create_veth(socket& sock, const veth_options& options) {
    message msg = create_veth_request(options);
    std::string what = "create veth " + in_quotes(options.name) + "/" + in_quotes(options.peer_name);
    if (options.peer_netns_fd >= 0) what += " (peer in another netns)";
    sock.request(msg, what);
}

void create_dummy(socket& sock, const dummy_options& options) {
    message msg = create_dummy_request(options);
    sock.request(msg, "create dummy " + in_quotes(options.name));
}

link_info parse_link(const nlmsghdr& nlh) {
    const auto& ifi = *static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(&nlh));
    const auto attrs = attr_table::parse(nlh, sizeof(ifinfomsg), IFLA_MAX);
    link_info info;
    info.index = if_index{ifi.ifi_index};
    info.flags = ifi.ifi_flags;
    info.up = (ifi.ifi_flags & IFF_UP) != 0;
    info.name = attrs.str(IFLA_IFNAME).value_or("");
    info.mac = attrs.mac(IFLA_ADDRESS);
    info.mtu = attrs.u32(IFLA_MTU).value_or(0);
    info.txqlen = attrs.u32(IFLA_TXQLEN).value_or(0);
    info.master = if_index{static_cast<int>(attrs.u32(IFLA_MASTER).value_or(0))};
    info.link = if_index{static_cast<int>(attrs.u32(IFLA_LINK).value_or(0))};
    info.link_netnsid = attrs.s32(IFLA_LINK_NETNSID);
    info.alias = attrs.str(IFLA_IFALIAS).value_or("");
    const auto linkinfo = attrs.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    info.kind = linkinfo.str(IFLA_INFO_KIND).value_or("");
    info.slave_kind = linkinfo.str(IFLA_INFO_SLAVE_KIND).value_or("");
    if (info.kind == "vxlan") {
        const auto data = linkinfo.nested(IFLA_INFO_DATA, IFLA_VXLAN_MAX);
        vxlan_info vx;
        vx.vni = data.u32(IFLA_VXLAN_ID).value_or(0);
        vx.port = ntohs(data.u16(IFLA_VXLAN_PORT).value_or(0));
        vx.local = data.address(IFLA_VXLAN_LOCAL);
        if (!vx.local) vx.local = data.address(IFLA_VXLAN_LOCAL6);
        vx.underlay = if_index{static_cast<int>(data.u32(IFLA_VXLAN_LINK).value_or(0))};
        vx.learning = data.u8(IFLA_VXLAN_LEARNING).value_or(0) != 0;
        info.vxlan = vx;
    }
    return info;
}

std::optional<link_info> find_link(socket& sock, const link_ref& link) {
    message msg = message_for(RTM_GETLINK, link);
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    const auto reply = get_unless(sock, msg, "get link " + link.to_string(), {ENODEV});
    if (!reply) return std::nullopt;
    return parse_link(reply->header());
}

link_info get_link(socket& sock, const link_ref& link) {
    if (auto info = find_link(sock, link)) return *info;
    throw error(ENODEV, "get link " + link.to_string());
}

message list_request(const link_filter& filter) {
    message msg = link_message(RTM_GETLINK, 0, {});
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    if (filter.master) msg.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(filter.master.value));
    if (!filter.kind.empty()) {
        nested info(msg, IFLA_LINKINFO);
        msg.put_strz(IFLA_INFO_KIND, filter.kind);
    }
    return msg;
}

std::vector<link_info> list_links(socket& sock, const link_filter& filter) {
    message msg = list_request(filter);
    std::string what = "list links";
    if (!filter.kind.empty()) what += " of kind " + in_quotes(filter.kind);
    if (filter.master) what += " on master #" + std::to_string(filter.master.value);
    std::vector<link_info> links;
    sock.dump(msg, what, [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type != RTM_NEWLINK) return;
        link_info info = parse_link(nlh);
        if (filter.master && info.master != filter.master) return;
        if (!filter.kind.empty() && info.kind != filter.kind) return;
        links.push_back(std::move(info));
    });
    return links;
}

message change_request(const link_ref& link, const changes& c) {
    message msg = message_for(RTM_NEWLINK, link);
    auto& ifi = msg.family_header<ifinfomsg>();
    set_flag(ifi, IFF_UP, c.up);
    set_flag(ifi, IFF_PROMISC, c.promisc);
    set_flag(ifi, IFF_ALLMULTI, c.allmulti);
    if (c.master) msg.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(c.master->value));
    if (c.mtu) msg.put_u32(IFLA_MTU, *c.mtu);
    if (c.txqlen) msg.put_u32(IFLA_TXQLEN, *c.txqlen);
    if (c.mac) msg.put_mac(IFLA_ADDRESS, *c.mac);
    if (c.alias) msg.put_strz(IFLA_IFALIAS, *c.alias);
    if (c.netns_fd) msg.put_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(*c.netns_fd));
    if (c.arp_notify) {
        nested spec(msg, IFLA_AF_SPEC);
        nested inet(msg, AF_INET);
        nested conf(msg, IFLA_INET_CONF);
        msg.put_u32(IPV4_DEVCONF_ARP_NOTIFY, *c.arp_notify ? 1 : 0);
    }
    if (!c.port.empty()) {
        // No IFLA_INFO_SLAVE_KIND needed: the kernel hands the data to the link's current master.
        nested info(msg, IFLA_LINKINFO);
        nested port(msg, IFLA_INFO_SLAVE_DATA);
        if (c.port.hairpin) msg.put_u8(IFLA_BRPORT_MODE, *c.port.hairpin ? 1 : 0);
        if (c.port.isolated) msg.put_u8(IFLA_BRPORT_ISOLATED, *c.port.isolated ? 1 : 0);
        if (c.port.learning) msg.put_u8(IFLA_BRPORT_LEARNING, *c.port.learning ? 1 : 0);
    }
    return msg;
}

void change(socket& sock, const link_ref& link, const changes& c) {
    if (c.master && *c.master && !c.port.empty()) {
        // rtnl_changelink hands IFLA_INFO_SLAVE_DATA to the current master before do_setlink
        // enslaves the link, so a link that is not a port yet needs its flags in a second message.
        changes first = c;
        first.port = {};
        change(sock, link, first);
        change(sock, link, {.port = c.port});
        return;
    }
    message msg = change_request(link, c);
    sock.request(msg, "set link " + link.to_string() + " " + describe(c));
}

void set_up(socket& sock, const link_ref& link) { change(sock, link, {.up = true}); }
void set_down(socket& sock, const link_ref& link) { change(sock, link, {.up = false}); }
void set_promisc(socket& sock, const link_ref& link, bool on) { change(sock, link, {.promisc = on}); }
void set_master(socket& sock, const link_ref& link, if_index master) { change(sock, link, {.master = master}); }
void set_nomaster(socket& sock, const link_ref& link) { change(sock, link, {.master = if_index{}}); }
void set_mtu(socket& sock, const link_ref& link, std::uint32_t mtu) { change(sock, link, {.mtu = mtu}); }
void set_mac(socket& sock, const link_ref& link, const net::mac& address) { change(sock, link, {.mac = address}); }
void set_netns(socket& sock, const link_ref& link, int netns_fd) { change(sock, link, {.netns_fd = netns_fd}); }

void rename(socket& sock, if_index index, std::string_view new_name) {
    // By index: with an index, IFLA_IFNAME is the new name rather than the link to change.
    message msg = link_message(RTM_NEWLINK, 0, index);
    msg.put_strz(IFLA_IFNAME, new_name);
    sock.request(msg, "rename link #" + std::to_string(index.value) + " to " + in_quotes(new_name));
}

void set_vlan_filtering(socket& sock, const link_ref& bridge, bool on) {
    // Bridge options change through RTM_NEWLINK on the existing link, with its kind.
    message msg = message_for(RTM_NEWLINK, bridge);
    nested info(msg, IFLA_LINKINFO);
    msg.put_strz(IFLA_INFO_KIND, "bridge");
    nested data(msg, IFLA_INFO_DATA);
    msg.put_u8(IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
    data.close();
    info.close();
    sock.request(msg, "set vlan_filtering " + on_off(on) + " on bridge " + bridge.to_string());
}

bool remove(socket& sock, const link_ref& link) {
    message msg = message_for(RTM_DELLINK, link);
    return request_unless(sock, msg, "remove link " + link.to_string(), {ENODEV});
}

}  // namespace link
}  // namespace wharf::netlink
