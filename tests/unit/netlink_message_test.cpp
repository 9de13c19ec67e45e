// Builds the requests the netlink layer sends and parses them back with our attribute table (and
// libmnl underneath), checking types, flags and values. No kernel, no root.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>
#include <vector>

#include "netlink/addr.hpp"
#include "netlink/attr_parser.hpp"
#include "netlink/bridge_port.hpp"
#include "netlink/conntrack.hpp"
#include "netlink/link.hpp"
#include "netlink/message.hpp"
#include "netlink/route.hpp"

using namespace wharf;
using namespace wharf::netlink;

namespace {
net::prefix pfx(const char* text) { return *net::prefix::parse(text); }
net::ip_address ip(const char* text) { return *net::ip_address::parse(text); }
}  // namespace

TEST_CASE("veth request carries the peer, its namespace and both MACs in one message") {
    const auto mac = *net::mac::parse("02:00:00:00:00:01");
    const auto peer_mac = *net::mac::parse("02:00:00:00:00:02");
    message msg = link::create_veth_request(
        {.name = "vethab12", .peer_name = "eth0", .peer_netns_fd = 7, .mtu = 1400, .mac = mac, .peer_mac = peer_mac});
    const nlmsghdr& nlh = msg.header();
    CHECK(nlh.nlmsg_type == RTM_NEWLINK);
    CHECK(nlh.nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
    CHECK(msg.bytes().size() == nlh.nlmsg_len);

    const auto top = attr_table::parse(nlh, sizeof(ifinfomsg), IFLA_MAX);
    CHECK(top.str(IFLA_IFNAME) == "vethab12");
    CHECK(top.u32(IFLA_MTU) == 1400u);
    CHECK(top.mac(IFLA_ADDRESS) == mac);
    REQUIRE(top.has(IFLA_LINKINFO));
    CHECK((top.get(IFLA_LINKINFO)->nla_type & NLA_F_NESTED) != 0);

    const auto info = top.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    CHECK(info.str(IFLA_INFO_KIND) == "veth");
    const auto data = info.nested(IFLA_INFO_DATA, VETH_INFO_MAX);
    const nlattr* peer = data.get(VETH_INFO_PEER);
    REQUIRE(peer != nullptr);
    // The peer nest starts with an ifinfomsg, then the peer's own attributes.
    REQUIRE(mnl_attr_get_payload_len(peer) > sizeof(ifinfomsg));
    const auto* peer_payload = static_cast<const char*>(mnl_attr_get_payload(peer));
    const auto peer_attrs = attr_table::parse_payload(peer_payload + MNL_ALIGN(sizeof(ifinfomsg)),
                                                      mnl_attr_get_payload_len(peer) - MNL_ALIGN(sizeof(ifinfomsg)),
                                                      IFLA_MAX);
    CHECK(peer_attrs.str(IFLA_IFNAME) == "eth0");
    CHECK(peer_attrs.u32(IFLA_NET_NS_FD) == 7u);
    CHECK(peer_attrs.u32(IFLA_MTU) == 1400u);
    CHECK(peer_attrs.mac(IFLA_ADDRESS) == peer_mac);

    const link_info parsed = link::parse_link(nlh);
    CHECK(parsed.name == "vethab12");
    CHECK(parsed.kind == "veth");
    CHECK(parsed.mtu == 1400);
    CHECK(parsed.mac == mac);
}

TEST_CASE("veth request without a peer namespace leaves IFLA_NET_NS_FD out") {
    message msg = link::create_veth_request({.name = "a", .peer_name = "b"});
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK_FALSE(top.has(IFLA_MTU));
    const auto data = top.nested(IFLA_LINKINFO, IFLA_INFO_MAX).nested(IFLA_INFO_DATA, VETH_INFO_MAX);
    const nlattr* peer = data.get(VETH_INFO_PEER);
    REQUIRE(peer != nullptr);
    const auto* payload = static_cast<const char*>(mnl_attr_get_payload(peer));
    const auto peer_attrs = attr_table::parse_payload(payload + sizeof(ifinfomsg),
                                                      mnl_attr_get_payload_len(peer) - sizeof(ifinfomsg), IFLA_MAX);
    CHECK(peer_attrs.str(IFLA_IFNAME) == "b");
    CHECK_FALSE(peer_attrs.has(IFLA_NET_NS_FD));
}

TEST_CASE("bridge request carries vlan options in IFLA_INFO_DATA") {
    message msg = link::create_bridge_request({.name = "wbr0", .mtu = 9000, .vlan_filtering = true, .vlan_default_pvid = 7});
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK(top.str(IFLA_IFNAME) == "wbr0");
    CHECK(top.u32(IFLA_MTU) == 9000u);
    CHECK_FALSE(top.has(IFLA_ADDRESS));
    const auto info = top.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    CHECK(info.str(IFLA_INFO_KIND) == "bridge");
    const auto data = info.nested(IFLA_INFO_DATA, IFLA_BR_MAX);
    CHECK(data.u8(IFLA_BR_VLAN_FILTERING) == 1);
    CHECK(data.u16(IFLA_BR_VLAN_DEFAULT_PVID) == 7);

    message plain = link::create_bridge_request({.name = "wbr1"});
    const auto plain_info = attr_table::parse(plain.header(), sizeof(ifinfomsg), IFLA_MAX).nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    CHECK(plain_info.str(IFLA_INFO_KIND) == "bridge");
    CHECK_FALSE(plain_info.has(IFLA_INFO_DATA));
}

TEST_CASE("veth request with master and up: this end's flags and IFLA_MASTER, none of it on the peer") {
    message msg = link::create_veth_request({.name = "vethab12", .peer_name = "eth0", .peer_netns_fd = 7,
                                             .master = if_index{3}, .up = true});
    const auto& ifi = msg.family_header<ifinfomsg>();
    CHECK(ifi.ifi_flags == static_cast<unsigned>(IFF_UP));
    CHECK(ifi.ifi_change == static_cast<unsigned>(IFF_UP));
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK(top.u32(IFLA_MASTER) == 3u);
    const nlattr* peer =
        top.nested(IFLA_LINKINFO, IFLA_INFO_MAX).nested(IFLA_INFO_DATA, VETH_INFO_MAX).get(VETH_INFO_PEER);
    REQUIRE(peer != nullptr);
    const auto& peer_ifi = *static_cast<const ifinfomsg*>(mnl_attr_get_payload(peer));
    CHECK(peer_ifi.ifi_flags == 0u);
    CHECK(peer_ifi.ifi_change == 0u);
    const auto* payload = static_cast<const char*>(mnl_attr_get_payload(peer));
    const auto peer_attrs = attr_table::parse_payload(payload + sizeof(ifinfomsg),
                                                      mnl_attr_get_payload_len(peer) - sizeof(ifinfomsg), IFLA_MAX);
    CHECK_FALSE(peer_attrs.has(IFLA_MASTER));

    // Without them, neither is in the message.
    message plain = link::create_veth_request({.name = "a", .peer_name = "b"});
    CHECK(plain.family_header<ifinfomsg>().ifi_change == 0u);
    CHECK_FALSE(attr_table::parse(plain.header(), sizeof(ifinfomsg), IFLA_MAX).has(IFLA_MASTER));
}

TEST_CASE("change request: by name or index; flags, master, alias, arp_notify and port flags in one RTM_NEWLINK") {
    const auto mac = *net::mac::parse("02:00:00:00:00:09");
    message msg = link::change_request(
        "veth1", {.up = true, .promisc = false, .mtu = 1400, .mac = mac, .alias = "tag net c/eth0", .arp_notify = true,
                  .port = {.hairpin = true, .learning = false}});
    CHECK(msg.header().nlmsg_type == RTM_NEWLINK);
    CHECK(msg.header().nlmsg_flags == NLM_F_REQUEST);  // no NLM_F_CREATE: a change of an existing link
    const auto& ifi = msg.family_header<ifinfomsg>();
    CHECK(ifi.ifi_index == 0);
    CHECK(ifi.ifi_change == static_cast<unsigned>(IFF_UP | IFF_PROMISC));
    CHECK(ifi.ifi_flags == static_cast<unsigned>(IFF_UP));
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK(top.str(IFLA_IFNAME) == "veth1");
    CHECK(top.u32(IFLA_MTU) == 1400u);
    CHECK(top.mac(IFLA_ADDRESS) == mac);
    CHECK(top.str(IFLA_IFALIAS) == "tag net c/eth0");
    CHECK_FALSE(top.has(IFLA_MASTER));
    CHECK_FALSE(top.has(IFLA_NET_NS_FD));
    const auto inet_conf = top.nested(IFLA_AF_SPEC, AF_MAX).nested(AF_INET, IFLA_INET_MAX).nested(IFLA_INET_CONF, IPV4_DEVCONF_MAX);
    CHECK(inet_conf.u32(IPV4_DEVCONF_ARP_NOTIFY) == 1u);
    const auto info = top.nested(IFLA_LINKINFO, IFLA_INFO_MAX);
    CHECK_FALSE(info.has(IFLA_INFO_KIND));
    const auto port = info.nested(IFLA_INFO_SLAVE_DATA, IFLA_BRPORT_MAX);
    CHECK(port.u8(IFLA_BRPORT_MODE) == 1);
    CHECK(port.u8(IFLA_BRPORT_LEARNING) == 0);
    CHECK_FALSE(port.has(IFLA_BRPORT_ISOLATED));

    // By index (a link_info gives both: the index is used, the name is for errors); master 0 releases.
    link_info known;
    known.index = if_index{12};
    known.name = "eth0";
    message by_index = link::change_request(known, {.master = if_index{}, .netns_fd = 5});
    CHECK(by_index.family_header<ifinfomsg>().ifi_index == 12);
    CHECK(by_index.family_header<ifinfomsg>().ifi_change == 0u);
    const auto index_attrs = attr_table::parse(by_index.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK_FALSE(index_attrs.has(IFLA_IFNAME));
    CHECK(index_attrs.u32(IFLA_MASTER) == 0u);
    CHECK(index_attrs.u32(IFLA_NET_NS_FD) == 5u);
    CHECK_FALSE(index_attrs.has(IFLA_LINKINFO));
    CHECK_FALSE(index_attrs.has(IFLA_AF_SPEC));
    CHECK(link_ref(known).to_string() == "\"eth0\"");
    CHECK(link_ref(if_index{12}).to_string() == "#12");
    CHECK_THROWS_AS(link::change_request(link_ref(if_index{}), {.up = true}), std::invalid_argument);
}

TEST_CASE("change request: allmulticast is a flag of the header, txqueuelen an attribute; unset means untouched") {
    message msg = link::change_request("eth0", {.allmulti = true, .txqlen = 0});
    const auto& ifi = msg.family_header<ifinfomsg>();
    CHECK(ifi.ifi_change == static_cast<unsigned>(IFF_ALLMULTI));
    CHECK(ifi.ifi_flags == static_cast<unsigned>(IFF_ALLMULTI));
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK(top.u32(IFLA_TXQLEN) == 0u);  // 0 is a length like any other, not "unset"
    CHECK_FALSE(top.has(IFLA_MTU));

    message off = link::change_request("eth0", {.allmulti = false});
    CHECK(off.family_header<ifinfomsg>().ifi_change == static_cast<unsigned>(IFF_ALLMULTI));
    CHECK(off.family_header<ifinfomsg>().ifi_flags == 0u);
    CHECK_FALSE(attr_table::parse(off.header(), sizeof(ifinfomsg), IFLA_MAX).has(IFLA_TXQLEN));
}

TEST_CASE("filtered dump request: IFLA_MASTER and IFLA_LINKINFO/IFLA_INFO_KIND, a header strict checking accepts") {
    message msg = link::list_request({.master = if_index{4}, .kind = "veth"});
    CHECK(msg.header().nlmsg_type == RTM_GETLINK);
    const auto& ifi = msg.family_header<ifinfomsg>();
    CHECK(ifi.ifi_index == 0);  // strict checking refuses a link dump filtered by index
    CHECK(ifi.ifi_flags == 0u);
    CHECK(ifi.ifi_change == 0u);
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK(top.u32(IFLA_MASTER) == 4u);
    CHECK(top.nested(IFLA_LINKINFO, IFLA_INFO_MAX).str(IFLA_INFO_KIND) == "veth");
    CHECK(top.u32(IFLA_EXT_MASK) == static_cast<std::uint32_t>(RTEXT_FILTER_SKIP_STATS));

    const auto all = attr_table::parse(link::list_request({}).header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK_FALSE(all.has(IFLA_MASTER));
    CHECK_FALSE(all.has(IFLA_LINKINFO));
}

TEST_CASE("bridge vlan request carries bridge_vlan_info in IFLA_AF_SPEC") {
    message msg = bridge::vlan_request(RTM_SETLINK, {.ifindex = if_index{3}, .vid = 42, .pvid = true, .untagged = true});
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    const auto spec = top.nested(IFLA_AF_SPEC, IFLA_BRIDGE_MAX);
    CHECK_FALSE(spec.has(IFLA_BRIDGE_FLAGS));
    const nlattr* vlan = spec.get(IFLA_BRIDGE_VLAN_INFO);
    REQUIRE(vlan != nullptr);
    REQUIRE(mnl_attr_get_payload_len(vlan) == sizeof(bridge_vlan_info));
    const auto& info = *static_cast<const bridge_vlan_info*>(mnl_attr_get_payload(vlan));
    CHECK(info.vid == 42);
    CHECK(info.flags == (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED));

    message self = bridge::vlan_request(RTM_DELLINK, {.ifindex = if_index{3}, .vid = 5, .self = true});
    CHECK(self.header().nlmsg_type == RTM_DELLINK);
    const auto self_spec = attr_table::parse(self.header(), sizeof(ifinfomsg), IFLA_MAX).nested(IFLA_AF_SPEC, IFLA_BRIDGE_MAX);
    CHECK(self_spec.u16(IFLA_BRIDGE_FLAGS) == BRIDGE_FLAGS_SELF);
}

TEST_CASE("IPv4 address request: local, address, broadcast; parsed back") {
    message msg = addr::add_request({.ifindex = if_index{5}, .address = pfx("10.1.2.3/24")});
    const nlmsghdr& nlh = msg.header();
    CHECK(nlh.nlmsg_type == RTM_NEWADDR);
    CHECK((nlh.nlmsg_flags & NLM_F_EXCL) != 0);
    const auto& ifa = msg.family_header<ifaddrmsg>();
    CHECK(ifa.ifa_family == AF_INET);
    CHECK(ifa.ifa_prefixlen == 24);
    CHECK(ifa.ifa_index == 5u);
    const auto attrs = attr_table::parse(nlh, sizeof(ifaddrmsg), IFA_MAX);
    CHECK(attrs.address(IFA_LOCAL) == ip("10.1.2.3"));
    CHECK(attrs.address(IFA_ADDRESS) == ip("10.1.2.3"));
    CHECK(attrs.address(IFA_BROADCAST) == ip("10.1.2.255"));
    CHECK_FALSE(attrs.has(IFA_FLAGS));

    const addr::entry e = addr::parse_address(nlh);
    CHECK(e.ifindex == if_index{5});
    CHECK(e.address == pfx("10.1.2.3/24"));

    message replace = addr::add_request({.ifindex = if_index{5}, .address = pfx("10.1.2.3/32"), .replace = true});
    CHECK((replace.header().nlmsg_flags & NLM_F_REPLACE) != 0);
    CHECK((replace.header().nlmsg_flags & NLM_F_EXCL) == 0);
    CHECK_FALSE(attr_table::parse(replace.header(), sizeof(ifaddrmsg), IFA_MAX).has(IFA_BROADCAST));
}

TEST_CASE("IPv6 address request with nodad sets IFA_F_NODAD in IFA_FLAGS") {
    message msg = addr::add_request({.ifindex = if_index{9}, .address = pfx("fd00:1::5/64"), .nodad = true});
    const auto& ifa = msg.family_header<ifaddrmsg>();
    CHECK(ifa.ifa_family == AF_INET6);
    CHECK(ifa.ifa_prefixlen == 64);
    const auto attrs = attr_table::parse(msg.header(), sizeof(ifaddrmsg), IFA_MAX);
    CHECK(attrs.u32(IFA_FLAGS) == static_cast<std::uint32_t>(IFA_F_NODAD));
    CHECK(attrs.address(IFA_LOCAL) == ip("fd00:1::5"));
    CHECK_FALSE(attrs.has(IFA_BROADCAST));
    const addr::entry e = addr::parse_address(msg.header());
    CHECK(e.address == pfx("fd00:1::5/64"));
    CHECK((e.flags & IFA_F_NODAD) != 0);
}

TEST_CASE("route request: gateway, metric, metrics nest and a table above 255") {
    message msg = route::add_request({.dst = pfx("10.9.8.7/24"), .gateway = ip("10.1.2.1"), .ifindex = if_index{4},
                                      .table = 1000, .metric = 50, .mtu = 1300, .advmss = 1260},
                                     false);
    const nlmsghdr& nlh = msg.header();
    CHECK(nlh.nlmsg_type == RTM_NEWROUTE);
    CHECK((nlh.nlmsg_flags & NLM_F_EXCL) != 0);
    const auto& rtm = msg.family_header<rtmsg>();
    CHECK(rtm.rtm_family == AF_INET);
    CHECK(rtm.rtm_dst_len == 24);
    CHECK(rtm.rtm_table == RT_TABLE_UNSPEC);
    CHECK(rtm.rtm_scope == RT_SCOPE_UNIVERSE);
    CHECK(rtm.rtm_protocol == RTPROT_BOOT);
    CHECK(rtm.rtm_type == RTN_UNICAST);
    const auto attrs = attr_table::parse(nlh, sizeof(rtmsg), RTA_MAX);
    CHECK(attrs.address(RTA_DST) == ip("10.9.8.0"));  // host bits dropped
    CHECK(attrs.address(RTA_GATEWAY) == ip("10.1.2.1"));
    CHECK(attrs.u32(RTA_OIF) == 4u);
    CHECK(attrs.u32(RTA_TABLE) == 1000u);
    CHECK(attrs.u32(RTA_PRIORITY) == 50u);
    const auto metrics = attrs.nested(RTA_METRICS, RTAX_MAX);
    CHECK(metrics.u32(RTAX_MTU) == 1300u);
    CHECK(metrics.u32(RTAX_ADVMSS) == 1260u);

    const route::entry e = route::parse_route(nlh);
    CHECK(e.dst == pfx("10.9.8.0/24"));
    CHECK(e.gateway == ip("10.1.2.1"));
    CHECK(e.ifindex == if_index{4});
    CHECK(e.table == 1000u);
    CHECK(e.metric == 50u);
    CHECK(e.mtu == 1300u);
    CHECK(e.advmss == 1260u);
}

TEST_CASE("route request: default route, link scope without gateway, replace and remove") {
    message def = route::add_request({.dst = net::prefix::any(net::family::v6), .gateway = ip("fd00::1")}, true);
    CHECK((def.header().nlmsg_flags & NLM_F_REPLACE) != 0);
    const auto def_attrs = attr_table::parse(def.header(), sizeof(rtmsg), RTA_MAX);
    CHECK_FALSE(def_attrs.has(RTA_DST));
    CHECK_FALSE(def_attrs.has(RTA_OIF));
    CHECK_FALSE(def_attrs.has(RTA_METRICS));
    CHECK(def.family_header<rtmsg>().rtm_table == RT_TABLE_MAIN);
    CHECK(route::parse_route(def.header()).dst == pfx("::/0"));

    message onlink = route::add_request({.dst = pfx("10.5.0.0/16"), .ifindex = if_index{2}}, false);
    CHECK(onlink.family_header<rtmsg>().rtm_scope == RT_SCOPE_LINK);

    message del = route::remove_request({.dst = pfx("10.5.0.0/16"), .ifindex = if_index{2}});
    CHECK(del.header().nlmsg_type == RTM_DELROUTE);
    CHECK(del.family_header<rtmsg>().rtm_scope == RT_SCOPE_NOWHERE);
}

TEST_CASE("route lookup request: the destination as a host prefix") {
    message msg = route::lookup_request(ip("fd00::7"));
    CHECK(msg.header().nlmsg_type == RTM_GETROUTE);
    CHECK(msg.family_header<rtmsg>().rtm_family == AF_INET6);
    CHECK(msg.family_header<rtmsg>().rtm_dst_len == 128);
    CHECK(attr_table::parse(msg.header(), sizeof(rtmsg), RTA_MAX).address(RTA_DST) == ip("fd00::7"));
}

TEST_CASE("conntrack: an entry's original tuple, protocol and port are read; its delete sends the tuple back") {
    message reported(static_cast<std::uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW));
    reported.put_header<nfgenmsg>().nfgen_family = AF_INET;
    {
        nested orig(reported, CTA_TUPLE_ORIG);
        {
            nested ips(reported, CTA_TUPLE_IP);
            reported.put_address(CTA_IP_V4_DST, ip("10.1.2.3"));
        }
        nested proto(reported, CTA_TUPLE_PROTO);
        reported.put_u8(CTA_PROTO_NUM, IPPROTO_UDP);
        reported.put_u16(CTA_PROTO_DST_PORT, htons(5353));
    }
    reported.put_u16(CTA_ZONE, htons(7));
    const auto e = conntrack::parse_entry(reported.header());
    REQUIRE(e);
    CHECK(e->protocol == IPPROTO_UDP);
    CHECK(e->dst_port == 5353);
    CHECK(e->zone == htons(7));

    message del = conntrack::remove_request(net::family::v4, *e);
    CHECK(del.header().nlmsg_type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE));
    CHECK(del.family_header<nfgenmsg>().nfgen_family == AF_INET);
    CHECK(del.family_header<nfgenmsg>().version == NFNETLINK_V0);
    const auto attrs = attr_table::parse(del.header(), sizeof(nfgenmsg), CTA_MAX);
    const nlattr* tuple = attrs.get(CTA_TUPLE_ORIG);
    REQUIRE(tuple != nullptr);
    CHECK((tuple->nla_type & NLA_F_NESTED) != 0);
    const auto* bytes = static_cast<const std::uint8_t*>(mnl_attr_get_payload(tuple));
    CHECK(std::vector<std::uint8_t>(bytes, bytes + mnl_attr_get_payload_len(tuple)) == e->tuple);
    CHECK(attrs.u16(CTA_ZONE) == htons(7));
    CHECK(attr_table::parse_nested(*tuple, CTA_TUPLE_MAX).nested(CTA_TUPLE_IP, CTA_IP_MAX).address(CTA_IP_V4_DST) ==
          ip("10.1.2.3"));

    message bare(static_cast<std::uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW));
    bare.put_header<nfgenmsg>();
    CHECK_FALSE(conntrack::parse_entry(bare.header()));
}

TEST_CASE("message refuses to grow past its capacity") {
    message msg(RTM_NEWLINK, 0, 64);
    msg.put_header<ifinfomsg>();
    const std::vector<char> big(64, 'x');
    CHECK_THROWS_AS(msg.put(IFLA_IFALIAS, big.data(), big.size()), std::length_error);
    // The message is unchanged and still usable.
    msg.put_u32(IFLA_MTU, 1500);
    CHECK(attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX).u32(IFLA_MTU) == 1500u);
}

TEST_CASE("attribute table: short payloads, unknown types, repeats and copies") {
    message msg(RTM_NEWLINK);
    msg.put_header<ifinfomsg>();
    msg.put_u8(IFLA_MTU, 1);                 // too short for a u32
    msg.put_u32(IFLA_MAX + 5, 99);            // beyond the table: ignored
    nlattr* spec = msg.begin_nest(IFLA_AF_SPEC);
    for (std::uint16_t vid : {10, 20, 30}) msg.put_u16(IFLA_BRIDGE_VLAN_INFO, vid);
    msg.end_nest(spec);
    msg.put_strz(IFLA_IFNAME, std::string_view("eth0xyz").substr(0, 4));

    const message copy = message::copy_of(msg.header());
    CHECK(copy.bytes().size() == msg.bytes().size());
    const auto attrs = attr_table::parse(copy.header(), sizeof(ifinfomsg), IFLA_MAX);
    CHECK_FALSE(attrs.u32(IFLA_MTU));
    CHECK(attrs.u8(IFLA_MTU) == 1);
    CHECK(attrs.str(IFLA_IFNAME) == "eth0");
    CHECK_FALSE(attrs.has(IFLA_ADDRESS));
    CHECK_FALSE(attrs.get(IFLA_MAX + 5));

    std::vector<std::uint16_t> seen;
    for_each_attr(*attrs.get(IFLA_AF_SPEC), [&](const nlattr& a) { seen.push_back(mnl_attr_get_u16(&a)); });
    CHECK(seen == std::vector<std::uint16_t>{10, 20, 30});
    // The table keeps the last of repeated attributes.
    CHECK(attrs.nested(IFLA_AF_SPEC, IFLA_BRIDGE_MAX).u16(IFLA_BRIDGE_VLAN_INFO) == 30);
}
