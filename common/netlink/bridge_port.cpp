#include "netlink/bridge_port.hpp"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>

#include "netlink/attr_parser.hpp"
#include "netlink/request.hpp"

namespace wharf::netlink::bridge {

namespace {

std::string describe(if_index index) { return "link #" + std::to_string(index.value); }

message bridge_message(std::uint16_t type, if_index index) {
    message msg(type);
    auto& ifi = msg.put_header<ifinfomsg>();
    ifi.ifi_family = AF_BRIDGE;
    ifi.ifi_index = index.value;
    return msg;
}

std::string vlan_text(const vlan_options& o) {
    std::string text = "vlan " + std::to_string(o.vid);
    if (o.pvid) text += " pvid";
    if (o.untagged) text += " untagged";
    return text + (o.self ? " on bridge " : " on port ") + describe(o.ifindex);
}

}  // namespace

std::optional<port_info> get_port(socket& sock, if_index ifindex) {
    // A plain RTM_GETLINK carries the port's flags as IFLA_INFO_SLAVE_DATA of kind "bridge".
    message msg(RTM_GETLINK);
    msg.put_header<ifinfomsg>().ifi_index = ifindex.value;
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    const message reply = sock.get(msg, "get bridge port " + describe(ifindex));
    const auto attrs = attr_table::parse(reply.header(), sizeof(ifinfomsg), IFLA_MAX);
    const auto linkinfo = attrs.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    if (linkinfo.str(IFLA_INFO_SLAVE_KIND).value_or("") != "bridge") return std::nullopt;
    const auto port = linkinfo.nested(IFLA_INFO_SLAVE_DATA, IFLA_BRPORT_MAX);
    port_info info;
    info.master = if_index{static_cast<int>(attrs.u32(IFLA_MASTER).value_or(0))};
    info.hairpin = port.u8(IFLA_BRPORT_MODE).value_or(0) != 0;
    info.isolated = port.u8(IFLA_BRPORT_ISOLATED).value_or(0) != 0;
    info.learning = port.u8(IFLA_BRPORT_LEARNING).value_or(0) != 0;
    return info;
}

message vlan_request(std::uint16_t type, const vlan_options& o) {
    message msg = bridge_message(type, o.ifindex);
    nested spec(msg, IFLA_AF_SPEC);
    if (o.self) msg.put_u16(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
    bridge_vlan_info info{};
    info.vid = o.vid;
    if (o.pvid) info.flags |= BRIDGE_VLAN_INFO_PVID;
    if (o.untagged) info.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
    msg.put(IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
    spec.close();
    return msg;
}

void add_vlan(socket& sock, const vlan_options& options) {
    message msg = vlan_request(RTM_SETLINK, options);
    sock.request(msg, "add " + vlan_text(options));
}

bool del_vlan(socket& sock, const vlan_options& options) {
    message msg = vlan_request(RTM_DELLINK, options);
    return request_unless(sock, msg, "delete " + vlan_text(options), {ENOENT, ENODEV});
}

std::vector<vlan> list_vlans(socket& sock, if_index ifindex) {
    message msg = bridge_message(RTM_GETLINK, {});
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
    std::vector<vlan> vlans;
    sock.dump(msg, "list vlans of " + describe(ifindex), [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type != RTM_NEWLINK) return;
        const auto& ifi = *static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(&nlh));
        if (ifi.ifi_index != ifindex.value) return;
        const auto attrs = attr_table::parse(nlh, sizeof(ifinfomsg), IFLA_MAX);
        const nlattr* spec = attrs.get(IFLA_AF_SPEC);
        if (!spec) return;
        for_each_attr(*spec, [&](const nlattr& attr) {
            if (mnl_attr_get_type(&attr) != IFLA_BRIDGE_VLAN_INFO) return;
            if (mnl_attr_get_payload_len(&attr) < sizeof(bridge_vlan_info)) return;
            const auto& info = *static_cast<const bridge_vlan_info*>(mnl_attr_get_payload(&attr));
            vlans.push_back({.vid = info.vid,
                             .pvid = (info.flags & BRIDGE_VLAN_INFO_PVID) != 0,
                             .untagged = (info.flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0});
        });
    });
    std::sort(vlans.begin(), vlans.end(), [](const vlan& a, const vlan& b) { return a.vid < b.vid; });
    return vlans;
}

}  // namespace wharf::netlink::bridge
