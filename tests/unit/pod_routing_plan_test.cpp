// The pure half of pod routing: backends by name, VXLAN MACs and tunnel addresses, the MTUs, and the
// plan of routes, neighbours and FDB entries for host-gw, vxlan and auto. No kernel, no root.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "routing/config.hpp"
#include "routing/plan.hpp"

using namespace wharf;
using namespace wharf::agent::routing;

namespace {
net::prefix pfx(const char* text) { return *net::prefix::parse(text); }
net::ip_address ip(const char* text) { return *net::ip_address::parse(text); }

router_config config_of(backend mode) {
    return {.mode = mode,
            .node_name = "node-1",
            .own_pod_cidrs = {pfx("10.151.1.0/24"), pfx("fd00:150:1:1::/64")},
            .own_ips = {ip("10.150.0.1"), ip("fd00:150::1")}};
}

// This node sits on 10.150.0.0/16 and fd00:150::/64.
const underlay segment{.ifindex = netlink::if_index{2}, .mtu = 1500, .on_link = {pfx("10.150.0.0/16"), pfx("fd00:150::/64")}};

peer near_peer() {  // same segment
    return {.name = "node-2", .uid = "u2", .pod_cidrs = {pfx("10.151.2.0/24"), pfx("fd00:150:1:2::/64")},
            .internal_ips = {ip("10.150.0.2"), ip("fd00:150::2")}};
}
peer far_peer() {  // behind a router
    return {.name = "node-3", .uid = "u3", .pod_cidrs = {pfx("10.151.3.0/24"), pfx("fd00:150:1:3::/64")},
            .internal_ips = {ip("10.152.0.3"), ip("fd00:150:2::3")}};
}

const planned_route* route_to(const plan& p, const char* dst) {
    const auto it = std::find_if(p.routes.begin(), p.routes.end(), [&](const planned_route& r) { return r.dst == pfx(dst); });
    return it == p.routes.end() ? nullptr : &*it;
}

bool skipped(const plan& p, const std::string& name, const std::string& word) {
    return std::any_of(p.skipped.begin(), p.skipped.end(), [&](const skipped_peer& s) {
        return s.peer == name && s.reason.find(word) != std::string::npos;
    });
}
}  // namespace

TEST_CASE("backends parse from their flag spelling and print back the same") {
    CHECK(parse_backend("host-gw") == backend::host_gw);
    CHECK(parse_backend("vxlan") == backend::vxlan);
    CHECK(parse_backend("auto") == backend::auto_);
    for (const auto b : {backend::host_gw, backend::vxlan, backend::auto_}) CHECK(parse_backend(to_string(b)) == b);
    for (const char* bad : {"", "host_gw", "VXLAN", "auto ", "ipip"}) {
        CHECK_THROWS_AS(parse_backend(bad), backend_error);
    }
    try {
        parse_backend("ipip");
        FAIL("no throw");
    } catch (const backend_error& e) {
        const std::string text = e.what();
        CHECK(text.find("\"ipip\"") != std::string::npos);
        CHECK(text.find("host-gw") != std::string::npos);
    }
}

TEST_CASE("the VXLAN MAC is a stable, locally administered unicast function of the node's name") {
    const auto a = vxlan_mac("node-1");
    CHECK(a == vxlan_mac("node-1"));
    CHECK(a != vxlan_mac("node-2"));
    // Pinned: a change of the derivation would change every node's MAC at the next upgrade.
    CHECK(a.to_string() == "c2:79:78:20:c2:ec");
    for (const char* name : {"", "a", "node-1", "worker-17.example.org", "x"}) {
        const auto m = vxlan_mac(name);
        CHECK((m.bytes()[0] & 0x02) == 0x02);
        CHECK(m.is_unicast());
        CHECK_FALSE(m.is_zero());
    }
}

TEST_CASE("the VXLAN MAC's bytes are the low bytes of the name's FNV-1a hash") {
    // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c: bytes 8c ec 01 86 4c dc, the first made local unicast.
    CHECK(vxlan_mac("a").to_string() == "8e:ec:01:86:4c:dc");
}

TEST_CASE("a node's tunnel address is its pod range's network address") {
    CHECK(tunnel_address(pfx("10.151.2.0/24")) == ip("10.151.2.0"));
    CHECK(tunnel_address(pfx("10.151.2.77/24")) == ip("10.151.2.0"));
    CHECK(tunnel_address(pfx("fd00:150:1:2::5/64")) == ip("fd00:150:1:2::"));
}

TEST_CASE("pod MTU: the underlay's with host-gw, less 50 (IPv4 underlay) or 70 (IPv6) otherwise") {
    CHECK(pod_mtu(config_of(backend::host_gw), segment) == 1500u);
    CHECK(pod_mtu(config_of(backend::vxlan), segment) == 1450u);
    CHECK(pod_mtu(config_of(backend::auto_), segment) == 1450u);
    auto v6_only = config_of(backend::vxlan);
    v6_only.own_ips = {ip("fd00:150::1")};
    CHECK(pod_mtu(v6_only, segment) == 1430u);
    CHECK(vxlan_mtu(v6_only, segment) == 1430u);
    CHECK(vxlan_local_address(config_of(backend::vxlan)) == ip("10.150.0.1"));
    CHECK(vxlan_local_address(v6_only) == ip("fd00:150::1"));
}

TEST_CASE("host-gw routes each same-segment peer's ranges via its InternalIP of the family, and skips the rest") {
    const auto p = make_plan(config_of(backend::host_gw), segment, {near_peer(), far_peer()});
    REQUIRE(p.routes.size() == 2);
    const auto* v4 = route_to(p, "10.151.2.0/24");
    REQUIRE(v4);
    CHECK(v4->gateway == ip("10.150.0.2"));
    CHECK(v4->via == path::underlay);
    CHECK_FALSE(v4->onlink());
    CHECK(v4->protocol == 87);
    CHECK(v4->peer == "node-2");
    const auto* v6 = route_to(p, "fd00:150:1:2::/64");
    REQUIRE(v6);
    CHECK(v6->gateway == ip("fd00:150::2"));
    CHECK_FALSE(p.needs_vxlan());
    CHECK(p.neighbours.empty());
    CHECK(p.tunnel_addresses.empty());
    CHECK(skipped(p, "node-3", "not on this node's L2 segment"));
    CHECK_FALSE(route_to(p, "10.151.3.0/24"));
}

TEST_CASE("vxlan routes every range onlink via the tunnel address, with one neighbour per range and one FDB entry per peer") {
    const auto p = make_plan(config_of(backend::vxlan), segment, {near_peer(), far_peer()});
    REQUIRE(p.routes.size() == 4);
    for (const auto& r : p.routes) {
        CHECK(r.via == path::vxlan);
        CHECK(r.onlink());
        CHECK(r.gateway == tunnel_address(r.dst));
    }
    REQUIRE(p.neighbours.size() == 4);
    CHECK(std::find(p.neighbours.begin(), p.neighbours.end(),
                    planned_neighbour{ip("fd00:150:1:3::"), vxlan_mac("node-3")}) != p.neighbours.end());
    REQUIRE(p.fdb.size() == 2);
    // The underlay is IPv4 (the first InternalIP of this node): remotes are the peers' IPv4 addresses.
    CHECK(p.fdb[0] == planned_fdb{vxlan_mac("node-2"), ip("10.150.0.2")});
    CHECK(p.fdb[1] == planned_fdb{vxlan_mac("node-3"), ip("10.152.0.3")});
    CHECK(p.needs_vxlan());
    CHECK(p.vxlan_local == ip("10.150.0.1"));
    CHECK(p.vxlan_mac == vxlan_mac("node-1"));
    REQUIRE(p.tunnel_addresses.size() == 2);
    CHECK(p.tunnel_addresses[0] == pfx("10.151.1.0/32"));
    CHECK(p.tunnel_addresses[1] == pfx("fd00:150:1:1::/128"));
    CHECK(p.skipped.empty());
}

TEST_CASE("auto: host-gw to the peer on this segment, vxlan to the one behind a router") {
    const auto p = make_plan(config_of(backend::auto_), segment, {near_peer(), far_peer()});
    REQUIRE(p.routes.size() == 4);
    CHECK(route_to(p, "10.151.2.0/24")->via == path::underlay);
    CHECK(route_to(p, "fd00:150:1:2::/64")->via == path::underlay);
    CHECK(route_to(p, "10.151.3.0/24")->via == path::vxlan);
    CHECK(route_to(p, "fd00:150:1:3::/64")->via == path::vxlan);
    REQUIRE(p.fdb.size() == 1);
    CHECK(p.fdb[0].dst == ip("10.152.0.3"));
    CHECK(p.neighbours.size() == 2);
}

TEST_CASE("auto decides per family: a peer on the segment in IPv4 only is tunnelled for IPv6") {
    auto mixed = near_peer();
    mixed.internal_ips = {ip("10.150.0.2"), ip("fd00:150:9::2")};
    const auto p = make_plan(config_of(backend::auto_), segment, {mixed});
    CHECK(route_to(p, "10.151.2.0/24")->via == path::underlay);
    CHECK(route_to(p, "fd00:150:1:2::/64")->via == path::vxlan);
    REQUIRE(p.fdb.size() == 1);
    CHECK(p.fdb[0].dst == ip("10.150.0.2"));
}

TEST_CASE("self, peers without pod ranges or InternalIPs, and overlapping ranges are skipped with a reason") {
    peer self = near_peer();
    self.name = "node-1";
    peer no_cidr = near_peer();
    no_cidr.name = "node-4";
    no_cidr.pod_cidrs.clear();
    peer v4_only_ip = near_peer();
    v4_only_ip.name = "node-5";
    v4_only_ip.pod_cidrs = {pfx("10.151.5.0/24"), pfx("fd00:150:1:5::/64")};
    v4_only_ip.internal_ips = {ip("10.150.0.5")};
    peer overlaps_own = near_peer();
    overlaps_own.name = "node-6";
    overlaps_own.pod_cidrs = {pfx("10.151.1.128/25")};
    peer duplicate = near_peer();
    duplicate.name = "node-7";
    duplicate.internal_ips = {ip("10.150.0.7")};

    const auto p = make_plan(config_of(backend::host_gw), segment, {self, no_cidr, near_peer(), v4_only_ip, overlaps_own, duplicate});
    CHECK(skipped(p, "node-1", "this node"));
    CHECK(skipped(p, "node-4", "no pod CIDR"));
    CHECK(skipped(p, "node-5", "no InternalIP of its family"));
    CHECK(skipped(p, "node-6", "overlaps this node's 10.151.1.0/24"));
    CHECK(skipped(p, "node-7", "of node node-2"));
    // node-2's two ranges and node-5's IPv4 range.
    REQUIRE(p.routes.size() == 3);
    CHECK(route_to(p, "10.151.5.0/24")->gateway == ip("10.150.0.5"));
    CHECK(route_to(p, "10.151.2.0/24")->peer == "node-2");
}

TEST_CASE("vxlan skips peers without an InternalIP of the underlay's family, and a node without InternalIPs tunnels nothing") {
    peer v6_only = far_peer();
    v6_only.internal_ips = {ip("fd00:150:2::3")};
    const auto p = make_plan(config_of(backend::vxlan), segment, {v6_only});
    CHECK(p.routes.empty());
    CHECK_FALSE(p.needs_vxlan());
    CHECK(skipped(p, "node-3", "VXLAN underlay family"));

    auto bare = config_of(backend::vxlan);
    bare.own_ips.clear();
    const auto q = make_plan(bare, segment, {far_peer()});
    CHECK(q.routes.empty());
    CHECK(skipped(q, "node-3", "no InternalIP to carry VXLAN"));
}

TEST_CASE("pod ranges with host bits are planned as their canonical prefix") {
    auto sloppy = near_peer();
    sloppy.pod_cidrs = {pfx("10.151.2.9/24")};
    const auto p = make_plan(config_of(backend::vxlan), segment, {sloppy});
    REQUIRE(p.routes.size() == 1);
    CHECK(p.routes[0].dst == pfx("10.151.2.0/24"));
    CHECK(p.routes[0].gateway == ip("10.151.2.0"));
}

TEST_CASE("no peers, or only this node: an empty plan") {
    CHECK(make_plan(config_of(backend::auto_), segment, {}).routes.empty());
    auto self = near_peer();
    self.name = "node-1";
    const auto p = make_plan(config_of(backend::auto_), segment, {self});
    CHECK(p.routes.empty());
    CHECK_FALSE(p.needs_vxlan());
}
