#include "netlink/link.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>

#include <cerrno>
#include <functional>

#include "netlink/attr_parser.hpp"
#include "netlink/error.hpp"

namespace wharf::netlink::link {

namespace {

std::string quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }
std::string describe(if_index index) { return "link #" + std::to_string(index.value); }

message link_message(std::uint16_t type, std::uint16_t flags, if_index index, std::uint8_t family = AF_UNSPEC) {
    message msg(type, flags);
    auto& ifi = msg.put_header<ifinfomsg>();
    ifi.ifi_family = family;
    ifi.ifi_index = index.value;
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

void set_link(socket& sock, if_index index, const std::string& what, const auto& fill) {
    message msg = link_message(RTM_SETLINK, 0, index);
    fill(msg);
    sock.request(msg, what);
}

void change_flags(socket& sock, if_index index, unsigned flag, bool on, const std::string& what) {
    message msg = link_message(RTM_SETLINK, 0, index);
    auto& ifi = msg.family_header<ifinfomsg>();
    ifi.ifi_change = flag;
    ifi.ifi_flags = on ? flag : 0;
    sock.request(msg, what);
}

bool tolerate_enodev(const std::function<void()>& fn) {
    try {
        fn();
        return true;
    } catch (const error& e) {
        if (e.code_value() == ENODEV) return false;
        throw;
    }
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
    return new_link(o.name, "veth", o.mtu, o.mac, [&](message& msg) {
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
}

message create_dummy_request(const dummy_options& o) {
    return new_link(o.name, "dummy", o.mtu, std::nullopt, [](message&) {});
}

void create_bridge(socket& sock, const bridge_options& options) {
    message msg = create_bridge_request(options);
    sock.request(msg, "create bridge " + quoted(options.name));
}

void create_veth(socket& sock, const veth_options& options) {
    message msg = create_veth_request(options);
    std::string what = "create veth " + quoted(options.name) + "/" + quoted(options.peer_name);
    if (options.peer_netns_fd >= 0) what += " (peer in netns fd " + std::to_string(options.peer_netns_fd) + ")";
    sock.request(msg, what);
}

void create_dummy(socket& sock, const dummy_options& options) {
    message msg = create_dummy_request(options);
    sock.request(msg, "create dummy " + quoted(options.name));
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
    info.master = if_index{static_cast<int>(attrs.u32(IFLA_MASTER).value_or(0))};
    info.link = if_index{static_cast<int>(attrs.u32(IFLA_LINK).value_or(0))};
    info.link_netnsid = attrs.s32(IFLA_LINK_NETNSID);
    const auto linkinfo = attrs.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    info.kind = linkinfo.str(IFLA_INFO_KIND).value_or("");
    info.slave_kind = linkinfo.str(IFLA_INFO_SLAVE_KIND).value_or("");
    return info;
}

std::optional<link_info> find_link(socket& sock, std::string_view name) {
    message msg = link_message(RTM_GETLINK, 0, {});
    msg.put_strz(IFLA_IFNAME, name);
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    try {
        return parse_link(sock.get(msg, "get link " + quoted(name)).header());
    } catch (const error& e) {
        if (e.code_value() == ENODEV) return std::nullopt;
        throw;
    }
}

std::optional<link_info> find_link(socket& sock, if_index index) {
    message msg = link_message(RTM_GETLINK, 0, index);
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    try {
        return parse_link(sock.get(msg, "get " + describe(index)).header());
    } catch (const error& e) {
        if (e.code_value() == ENODEV) return std::nullopt;
        throw;
    }
}

link_info get_link(socket& sock, std::string_view name) {
    if (auto info = find_link(sock, name)) return *info;
    throw error(ENODEV, "get link " + quoted(name));
}

link_info get_link(socket& sock, if_index index) {
    if (auto info = find_link(sock, index)) return *info;
    throw error(ENODEV, "get " + describe(index));
}

std::vector<link_info> list_links(socket& sock) {
    message msg = link_message(RTM_GETLINK, 0, {});
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    std::vector<link_info> links;
    sock.dump(msg, "list links", [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type == RTM_NEWLINK) links.push_back(parse_link(nlh));
    });
    return links;
}

void set_up(socket& sock, if_index index) { change_flags(sock, index, IFF_UP, true, "set " + describe(index) + " up"); }

void set_down(socket& sock, if_index index) {
    change_flags(sock, index, IFF_UP, false, "set " + describe(index) + " down");
}

void set_promisc(socket& sock, if_index index, bool on) {
    change_flags(sock, index, IFF_PROMISC, on, std::string("set promisc ") + (on ? "on" : "off") + " on " + describe(index));
}

void set_master(socket& sock, if_index index, if_index master) {
    set_link(sock, index, "set master of " + describe(index) + " to " + describe(master),
             [&](message& msg) { msg.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(master.value)); });
}

void set_nomaster(socket& sock, if_index index) {
    set_link(sock, index, "release " + describe(index) + " from its master",
             [](message& msg) { msg.put_u32(IFLA_MASTER, 0); });
}

void set_mtu(socket& sock, if_index index, std::uint32_t mtu) {
    set_link(sock, index, "set mtu " + std::to_string(mtu) + " on " + describe(index),
             [&](message& msg) { msg.put_u32(IFLA_MTU, mtu); });
}

void set_mac(socket& sock, if_index index, const net::mac& address) {
    set_link(sock, index, "set mac " + address.to_string() + " on " + describe(index),
             [&](message& msg) { msg.put_mac(IFLA_ADDRESS, address); });
}

void rename(socket& sock, if_index index, std::string_view new_name) {
    set_link(sock, index, "rename " + describe(index) + " to " + quoted(new_name),
             [&](message& msg) { msg.put_strz(IFLA_IFNAME, new_name); });
}

void set_netns(socket& sock, if_index index, int netns_fd) {
    set_link(sock, index, "move " + describe(index) + " to netns fd " + std::to_string(netns_fd),
             [&](message& msg) { msg.put_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(netns_fd)); });
}

void set_vlan_filtering(socket& sock, if_index bridge, bool on) {
    // Bridge options change through RTM_NEWLINK on the existing link, with its kind.
    message msg = link_message(RTM_NEWLINK, 0, bridge);
    nested info(msg, IFLA_LINKINFO);
    msg.put_strz(IFLA_INFO_KIND, "bridge");
    nested data(msg, IFLA_INFO_DATA);
    msg.put_u8(IFLA_BR_VLAN_FILTERING, on ? 1 : 0);
    data.close();
    info.close();
    sock.request(msg, std::string("set vlan_filtering ") + (on ? "on" : "off") + " on bridge " + describe(bridge));
}

bool remove(socket& sock, if_index index) {
    return tolerate_enodev([&] {
        message msg = link_message(RTM_DELLINK, 0, index);
        sock.request(msg, "remove " + describe(index));
    });
}

bool remove(socket& sock, std::string_view name) {
    return tolerate_enodev([&] {
        message msg = link_message(RTM_DELLINK, 0, {});
        msg.put_strz(IFLA_IFNAME, name);
        sock.request(msg, "remove link " + quoted(name));
    });
}

}  // namespace wharf::netlink::link
