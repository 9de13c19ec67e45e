// The requests of neigh::, link::create_vxlan and the onlink / protocol-filtered route requests, built
// and parsed back (by our parsers and by the attribute table). No kernel, no root.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "netlink/attr_parser.hpp"
#include "netlink/link.hpp"
#include "netlink/message.hpp"
#include "netlink/neigh.hpp"
#include "netlink/route.hpp"

using namespace wharf;
using namespace wharf::netlink;

namespace {
net::prefix pfx(const char* text) { return *net::prefix::parse(text); }
net::ip_address ip(const char* text) { return *net::ip_address::parse(text); }
net::mac hw(const char* text) { return *net::mac::parse(text); }
const ndmsg& ndm_of(const message& msg) { return msg.family_header<ndmsg>(); }
}  // namespace

TEST_CASE("a neighbour is replaced as a permanent entry and parses back") {
    const neigh::neighbour n{.ifindex = if_index{7}, .address = ip("10.151.2.0"), .lladdr = hw("02:aa:bb:cc:dd:ee")};
    message msg = neigh::replace_request(n);
    CHECK(msg.type() == RTM_NEWNEIGH);
    CHECK(msg.header().nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE));
    CHECK(ndm_of(msg).ndm_family == AF_INET);
    CHECK(ndm_of(msg).ndm_ifindex == 7);
    CHECK(ndm_of(msg).ndm_state == NUD_PERMANENT);
    CHECK(ndm_of(msg).ndm_flags == 0);

    const auto e = neigh::parse_neigh(msg.header());
    CHECK(e.family == AF_INET);
    CHECK(e.ifindex == if_index{7});
    CHECK(e.address == n.address);
    CHECK(e.lladdr == n.lladdr);
    CHECK(e.permanent());
}

TEST_CASE("an IPv6 neighbour's removal names its family and address, not its link-layer address") {
    const neigh::neighbour n{.ifindex = if_index{3}, .address = ip("fd00:150:1:2::"), .lladdr = hw("02:00:00:00:00:09")};
    message msg = neigh::remove_request(n);
    CHECK(msg.type() == RTM_DELNEIGH);
    CHECK(ndm_of(msg).ndm_family == AF_INET6);
    const auto attrs = attr_table::parse(msg.header(), sizeof(ndmsg), NDA_MAX);
    CHECK(attrs.address(NDA_DST) == n.address);
    CHECK_FALSE(attrs.has(NDA_LLADDR));
}

TEST_CASE("an FDB entry goes to the device's own table (NTF_SELF), permanent, with its remote") {
    const neigh::fdb_entry f{.ifindex = if_index{9}, .lladdr = hw("02:11:22:33:44:55"), .dst = ip("10.150.0.3")};
    message msg = neigh::replace_fdb_request(f);
    CHECK(msg.type() == RTM_NEWNEIGH);
    CHECK(ndm_of(msg).ndm_family == AF_BRIDGE);
    CHECK(ndm_of(msg).ndm_flags == NTF_SELF);
    CHECK(ndm_of(msg).ndm_state == NUD_PERMANENT);
    const auto e = neigh::parse_neigh(msg.header());
    CHECK(e.lladdr == f.lladdr);
    CHECK(e.address == f.dst);

    message del = neigh::remove_fdb_request(if_index{9}, f.lladdr);
    CHECK(del.type() == RTM_DELNEIGH);
    CHECK(ndm_of(del).ndm_family == AF_BRIDGE);
    CHECK(ndm_of(del).ndm_flags == NTF_SELF);
    const auto attrs = attr_table::parse(del.header(), sizeof(ndmsg), NDA_MAX);
    CHECK(attrs.mac(NDA_LLADDR) == f.lladdr);
    CHECK_FALSE(attrs.has(NDA_DST));  // every remote of the MAC goes
}

TEST_CASE("a neighbour dump asks the kernel for one link through NDA_IFINDEX, with a clean header") {
    message msg = neigh::list_request(AF_BRIDGE, if_index{12});
    CHECK(msg.type() == RTM_GETNEIGH);
    CHECK(ndm_of(msg).ndm_family == AF_BRIDGE);
    // Strict checking refuses a dump whose header has an ifindex, state or flags set.
    CHECK(ndm_of(msg).ndm_ifindex == 0);
    CHECK(ndm_of(msg).ndm_state == 0);
    const auto attrs = attr_table::parse(msg.header(), sizeof(ndmsg), NDA_MAX);
    CHECK(attrs.u32(NDA_IFINDEX) == 12u);
    CHECK_FALSE(attrs.has(NDA_MASTER));

    message all = neigh::list_request(AF_INET, {});
    CHECK_FALSE(attr_table::parse(all.header(), sizeof(ndmsg), NDA_MAX).has(NDA_IFINDEX));
}

TEST_CASE("a VXLAN request carries VNI, port in network order, local, underlay, no learning; parse_link reads it") {
    const auto mac = hw("02:12:34:56:78:9a");
    message msg = link::create_vxlan_request({.name = "wharf.vxlan",
                                              .vni = 42,
                                              .port = 4789,
                                              .local = ip("10.150.0.1"),
                                              .underlay = if_index{4},
                                              .mtu = 1450,
                                              .mac = mac,
                                              .up = true});
    CHECK(msg.type() == RTM_NEWLINK);
    CHECK(msg.header().nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
    CHECK((msg.family_header<ifinfomsg>().ifi_flags & IFF_UP) != 0);
    const auto top = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX);
    const auto data = top.nested(IFLA_LINKINFO, IFLA_INFO_MAX).nested(IFLA_INFO_DATA, IFLA_VXLAN_MAX);
    CHECK(data.u16(IFLA_VXLAN_PORT) == htons(4789));
    CHECK(data.u8(IFLA_VXLAN_LEARNING) == 0);
    CHECK(data.u8(IFLA_VXLAN_UDP_CSUM) == 1);
    CHECK_FALSE(data.has(IFLA_VXLAN_GROUP));

    const auto info = link::parse_link(msg.header());
    CHECK(info.name == "wharf.vxlan");
    CHECK(info.kind == "vxlan");
    CHECK(info.mtu == 1450u);
    CHECK(info.mac == mac);
    REQUIRE(info.vxlan);
    CHECK(info.vxlan->vni == 42u);
    CHECK(info.vxlan->port == 4789);
    CHECK(info.vxlan->local == ip("10.150.0.1"));
    CHECK(info.vxlan->underlay == if_index{4});
    CHECK_FALSE(info.vxlan->learning);
}

TEST_CASE("a VXLAN device over IPv6 names its local address with IFLA_VXLAN_LOCAL6 and keeps checksums") {
    message msg = link::create_vxlan_request({.name = "vx6", .vni = 7, .port = 8472, .local = ip("fd00:150::1"), .learning = true});
    const auto data = attr_table::parse(msg.header(), sizeof(ifinfomsg), IFLA_MAX)
                          .nested(IFLA_LINKINFO, IFLA_INFO_MAX)
                          .nested(IFLA_INFO_DATA, IFLA_VXLAN_MAX);
    CHECK_FALSE(data.has(IFLA_VXLAN_LOCAL));
    CHECK(data.address(IFLA_VXLAN_LOCAL6) == ip("fd00:150::1"));
    CHECK(data.u8(IFLA_VXLAN_UDP_ZERO_CSUM6_TX) == 0);
    CHECK_FALSE(data.has(IFLA_VXLAN_LINK));
    const auto info = link::parse_link(msg.header());
    REQUIRE(info.vxlan);
    CHECK(info.vxlan->port == 8472);
    CHECK(info.vxlan->learning);
    CHECK_FALSE(info.vxlan->underlay);
}

TEST_CASE("links of other kinds carry no VXLAN settings") {
    message msg = link::create_dummy_request({.name = "d0"});
    CHECK_FALSE(link::parse_link(msg.header()).vxlan);
}

TEST_CASE("an onlink route sets RTNH_F_ONLINK and its protocol; the entry parses it back") {
    message msg = route::add_request(
        {.dst = pfx("10.151.2.0/24"), .gateway = ip("10.151.2.0"), .ifindex = if_index{5}, .protocol = 87, .onlink = true}, true);
    const auto& rtm = msg.family_header<rtmsg>();
    CHECK((rtm.rtm_flags & RTNH_F_ONLINK) != 0);
    CHECK(rtm.rtm_protocol == 87);
    const auto e = route::parse_route(msg.header());
    CHECK(e.onlink);
    CHECK(e.protocol == 87);
    CHECK(e.gateway == ip("10.151.2.0"));

    message plain = route::add_request({.dst = pfx("10.151.3.0/24"), .gateway = ip("10.150.0.3")}, true);
    CHECK((plain.family_header<rtmsg>().rtm_flags & RTNH_F_ONLINK) == 0);
    CHECK_FALSE(route::parse_route(plain.header()).onlink);
}

TEST_CASE("a route dump filtered by protocol asks the kernel for that protocol only") {
    message msg = route::list_request(net::family::v6, {.table = 254, .protocol = 87});
    CHECK(msg.type() == RTM_GETROUTE);
    CHECK(msg.family_header<rtmsg>().rtm_family == AF_INET6);
    CHECK(msg.family_header<rtmsg>().rtm_protocol == 87);
    message any = route::list_request(net::family::v4, {});
    CHECK(any.family_header<rtmsg>().rtm_protocol == 0);
}
