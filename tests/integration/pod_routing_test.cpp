// Pod routing between three node namespaces against the real kernel: host-gw, vxlan and auto with
// real pings (IPv4 and IPv6, full-size with DF across the tunnel), and what sync() changes and leaves:
// nothing on a second run or after a restart, stale routes of a previous run removed, a removed
// peer's routes, neighbours and FDB entries withdrawn, hand-deleted routes and a deleted VXLAN device
// put back. `ip` and `bridge` observe independently; the routers run inside each node's namespace.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netns/netns.hpp"
#include "routing/config.hpp"
#include "routing/pod_router.hpp"
#include "routing/route_monitor.hpp"
#include "support/pod_routing_world.hpp"
#include "support/watch.hpp"

using namespace wharf;
using namespace wharf::agent::routing;
using nlohmann::json;
using test::pod_routing_node;
using test::pod_routing_world;

namespace {

void require_root() { REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)"); }

router_config config_for(const pod_routing_node& n, backend mode) {
    return {.mode = mode, .node_name = n.node_name, .own_pod_cidrs = {n.pod4, n.pod6}, .own_ips = {n.ip4, n.ip6}};
}

peer peer_of(const pod_routing_node& n) {
    return {.name = n.node_name, .uid = "uid-" + n.node_name, .pod_cidrs = {n.pod4, n.pod6}, .internal_ips = {n.ip4, n.ip6}};
}

std::vector<peer> peers_of(pod_routing_world& w, std::initializer_list<int> numbers) {
    std::vector<peer> peers;
    for (int n : numbers) peers.push_back(peer_of(w.node(n)));
    return peers;
}

// A router for the node, made inside its namespace as the agent makes it in the host's.
pod_router router_in(const pod_routing_node& n, backend mode) {
    netns::guard in(n.handle);
    return pod_router(config_for(n, mode));
}

// Every node routes to the whole cluster (itself included: the plan skips it).
std::vector<pod_router> start_cluster(pod_routing_world& w, backend mode) {
    std::vector<pod_router> routers;
    for (int n = 1; n <= 3; ++n) {
        routers.push_back(router_in(w.node(n), mode));
        routers.back().sync(peers_of(w, {1, 2, 3}));
    }
    return routers;
}

json ip_json(const pod_routing_node& n, const std::string& command) {
    const std::string out = n.exec(command + " 2>/dev/null");
    if (out.find_first_not_of(" \n") == std::string::npos) return json::array();
    return json::parse(out);
}

json routes_87(const pod_routing_node& n, const char* family) {
    return ip_json(n, std::string("ip -j ") + family + " route show proto 87");
}

std::optional<json> route_to(const json& routes, const net::prefix& dst) {
    for (const auto& r : routes)
        if (r.value("dst", "") == dst.to_string()) return r;
    return std::nullopt;
}

bool has_flag(const json& entry, const char* flag) {
    if (!entry.contains("flags")) return false;
    const auto& flags = entry["flags"];
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

json vxlan_neighbours(const pod_routing_node& n) { return ip_json(n, "ip -j neigh show dev wharf.vxlan nud permanent"); }
json vxlan_fdb(const pod_routing_node& n) { return ip_json(n, "bridge -j fdb show dev wharf.vxlan"); }

bool has_neighbour(const json& neighbours, const net::ip_address& address, const net::mac& mac) {
    return std::any_of(neighbours.begin(), neighbours.end(), [&](const json& e) {
        return e.value("dst", "") == address.to_string() && e.value("lladdr", "") == mac.to_string();
    });
}

bool has_fdb(const json& fdb, const net::mac& mac, const net::ip_address& dst) {
    return std::any_of(fdb.begin(), fdb.end(), [&](const json& e) {
        return e.value("mac", "") == mac.to_string() && e.value("dst", "") == dst.to_string() && e.value("state", "") == "permanent";
    });
}

// Waits (up to 5 s) for the monitor's socket to be readable, then drains it.
std::size_t wait_for_events(netlink::subscription& monitor) {
    pollfd pfd{.fd = monitor.fd(), .events = POLLIN, .revents = 0};
    poll(&pfd, 1, 5000);
    return monitor.drain();
}

}  // namespace

TEST_CASE("host-gw: pods on one segment reach each other over IPv4 and IPv6 via routes of protocol 87") {
    require_root();
    pod_routing_world w;
    auto routers = start_cluster(w, backend::host_gw);
    auto& n1 = w.node(1);
    auto& n2 = w.node(2);
    CHECK(routers[0].pod_mtu() == 1500u);

    CHECK(n1.ping(n2.pod_ip4));
    CHECK(n1.ping(n2.pod_ip6));
    CHECK(n2.ping(n1.pod_ip6));

    const auto v4 = routes_87(n1, "-4");
    const auto to2 = route_to(v4, n2.pod4);
    REQUIRE(to2);
    CHECK((*to2)["gateway"] == n2.ip4.to_string());
    CHECK((*to2)["dev"] == "eth0");
    CHECK_FALSE(has_flag(*to2, "onlink"));
    const auto to2_v6 = route_to(routes_87(n1, "-6"), n2.pod6);
    REQUIRE(to2_v6);
    CHECK((*to2_v6)["gateway"] == n2.ip6.to_string());

    // Node 3 is behind a router: host-gw cannot reach it, so no route is made and no tunnel either.
    CHECK_FALSE(route_to(v4, w.node(3).pod4));
    CHECK(routers[0].last_plan().skipped.size() >= 2);
    CHECK(n1.exec("ip link show wharf.vxlan 2>/dev/null").empty());
    CHECK(n1.no_answer(w.node(3).pod_ip4));
}

TEST_CASE("vxlan: every node, the one behind the router too, is reached through the tunnel, full-size with DF") {
    require_root();
    pod_routing_world w;
    auto routers = start_cluster(w, backend::vxlan);
    auto& n1 = w.node(1);
    auto& n3 = w.node(3);
    const unsigned mtu = routers[0].pod_mtu();
    CHECK(mtu == 1450u);

    const auto device = netlink::link::get_link(n1.nl, "wharf.vxlan");
    CHECK(device.mtu == mtu);
    CHECK(device.up);
    CHECK(device.mac == vxlan_mac(n1.node_name));
    REQUIRE(device.vxlan);
    CHECK(device.vxlan->vni == 1u);
    CHECK(device.vxlan->port == 4789);
    CHECK(device.vxlan->local == n1.ip4);
    CHECK_FALSE(device.vxlan->learning);

    for (int to : {2, 3}) {
        CHECK(n1.ping(w.node(to).pod_ip4));
        CHECK(n1.ping(w.node(to).pod_ip6));
    }
    CHECK(n3.ping(w.node(2).pod_ip6));
    // Full-size packets with DF: the pod MTU fits through the tunnel and the underlay...
    CHECK(n1.ping(n3.pod_ip4, static_cast<int>(mtu) - 28, true));
    CHECK(n1.ping(n3.pod_ip6, static_cast<int>(mtu) - 48, true));
    // ...and one byte more does not leave the node (the device's MTU is the pod MTU).
    CHECK(n1.no_answer(n3.pod_ip4, static_cast<int>(mtu) - 27, true));

    const auto to3 = route_to(routes_87(n1, "-4"), n3.pod4);
    REQUIRE(to3);
    CHECK((*to3)["dev"] == "wharf.vxlan");
    CHECK((*to3)["gateway"] == tunnel_address(n3.pod4).to_string());
    CHECK(has_flag(*to3, "onlink"));
    const auto to3_v6 = route_to(routes_87(n1, "-6"), n3.pod6);
    REQUIRE(to3_v6);
    CHECK(has_flag(*to3_v6, "onlink"));

    const auto neighbours = vxlan_neighbours(n1);
    CHECK(has_neighbour(neighbours, tunnel_address(n3.pod4), vxlan_mac(n3.node_name)));
    CHECK(has_neighbour(neighbours, tunnel_address(n3.pod6), vxlan_mac(n3.node_name)));
    const auto fdb = vxlan_fdb(n1);
    CHECK(has_fdb(fdb, vxlan_mac(n3.node_name), n3.ip4));
    CHECK(has_fdb(fdb, vxlan_mac(w.node(2).node_name), w.node(2).ip4));
    CHECK(n1.exec("ip -4 addr show dev wharf.vxlan").find(tunnel_address(n1.pod4).to_string() + "/32") != std::string::npos);
}

TEST_CASE("auto: host-gw to the node on this segment, vxlan to the node behind the router") {
    require_root();
    pod_routing_world w;
    auto routers = start_cluster(w, backend::auto_);
    auto& n1 = w.node(1);
    auto& n2 = w.node(2);
    auto& n3 = w.node(3);
    CHECK(routers[0].pod_mtu() == 1450u);

    CHECK(n1.ping(n2.pod_ip4));
    CHECK(n1.ping(n2.pod_ip6));
    CHECK(n1.ping(n3.pod_ip4));
    CHECK(n1.ping(n3.pod_ip6));
    CHECK(n3.ping(n2.pod_ip4));

    const auto v4 = routes_87(n1, "-4");
    const auto to2 = route_to(v4, n2.pod4);
    const auto to3 = route_to(v4, n3.pod4);
    REQUIRE(to2);
    REQUIRE(to3);
    CHECK((*to2)["dev"] == "eth0");
    CHECK((*to2)["gateway"] == n2.ip4.to_string());
    CHECK((*to3)["dev"] == "wharf.vxlan");
    CHECK(has_flag(*to3, "onlink"));
    // Only the tunnelled node has an FDB entry.
    const auto fdb = vxlan_fdb(n1);
    CHECK(has_fdb(fdb, vxlan_mac(n3.node_name), n3.ip4));
    CHECK_FALSE(has_fdb(fdb, vxlan_mac(n2.node_name), n2.ip4));
}

TEST_CASE("a second sync, and a restarted agent's first, change nothing") {
    require_root();
    pod_routing_world w;
    auto routers = start_cluster(w, backend::auto_);
    const auto peers = peers_of(w, {1, 2, 3});
    for (auto& r : routers) CHECK(r.sync(peers) == 0);
    // A new agent (after SIGTERM or SIGKILL) finds everything right.
    for (int n = 1; n <= 3; ++n) CHECK(router_in(w.node(n), backend::auto_).sync(peers) == 0);
    CHECK(w.node(1).ping(w.node(3).pod_ip6));
}

TEST_CASE("the first sync removes protocol-87 routes a previous run left, and nothing else") {
    require_root();
    pod_routing_world w;
    auto& n1 = w.node(1);
    const auto stale = *net::prefix::parse("10.151.99.0/24");
    const auto stale_v6 = *net::prefix::parse("fd00:150:1:99::/64");
    const auto foreign = *net::prefix::parse("10.151.98.0/24");
    const auto eth0 = netlink::link::get_link(n1.nl, "eth0").index;
    netlink::route::add(n1.nl, {.dst = stale, .gateway = w.node(2).ip4, .ifindex = eth0, .protocol = route_protocol});
    netlink::route::add(n1.nl, {.dst = stale_v6, .gateway = w.node(2).ip6, .ifindex = eth0, .protocol = route_protocol});
    netlink::route::add(n1.nl, {.dst = foreign, .gateway = w.node(2).ip4, .ifindex = eth0});
    REQUIRE(route_to(routes_87(n1, "-4"), stale));

    auto router = router_in(n1, backend::host_gw);
    CHECK(router.sync(peers_of(w, {2})) == 4);  // two stale routes out, two routes to node 2 in
    const auto v4 = routes_87(n1, "-4");
    CHECK_FALSE(route_to(v4, stale));
    CHECK_FALSE(route_to(routes_87(n1, "-6"), stale_v6));
    CHECK(route_to(v4, w.node(2).pod4));
    CHECK(route_to(ip_json(n1, "ip -j -4 route show"), foreign));
}

TEST_CASE("a removed peer's routes, neighbours and FDB entries are withdrawn; with no peer left the device goes") {
    require_root();
    pod_routing_world w;
    auto routers = start_cluster(w, backend::vxlan);
    auto& n1 = w.node(1);
    auto& n2 = w.node(2);
    auto& n3 = w.node(3);
    REQUIRE(has_fdb(vxlan_fdb(n1), vxlan_mac(n3.node_name), n3.ip4));

    // Node 3 is gone: 2 routes, 2 neighbours, 1 FDB entry.
    CHECK(routers[0].sync(peers_of(w, {1, 2})) == 5);
    CHECK_FALSE(route_to(routes_87(n1, "-4"), n3.pod4));
    CHECK_FALSE(route_to(routes_87(n1, "-6"), n3.pod6));
    CHECK_FALSE(has_neighbour(vxlan_neighbours(n1), tunnel_address(n3.pod4), vxlan_mac(n3.node_name)));
    CHECK_FALSE(has_fdb(vxlan_fdb(n1), vxlan_mac(n3.node_name), n3.ip4));
    CHECK(route_to(routes_87(n1, "-4"), n2.pod4));
    CHECK(has_fdb(vxlan_fdb(n1), vxlan_mac(n2.node_name), n2.ip4));
    CHECK(n1.ping(n2.pod_ip4));
    CHECK(n1.no_answer(n3.pod_ip4));

    CHECK(routers[0].sync({}) > 0);
    CHECK(n1.exec("ip link show wharf.vxlan 2>/dev/null").empty());
    CHECK(routes_87(n1, "-4").empty());
    CHECK(routes_87(n1, "-6").empty());
}

TEST_CASE("a hand-deleted route and a deleted VXLAN device are noticed and put back, with the same MAC; a changed MAC and MTU are set back") {
    require_root();
    pod_routing_world w;
    auto routers = start_cluster(w, backend::vxlan);
    auto& n1 = w.node(1);
    auto& n3 = w.node(3);
    const auto peers = peers_of(w, {1, 2, 3});
    auto monitor = [&] {
        netns::guard in(n1.handle);
        return open_route_monitor();
    }();
    CHECK(monitor.drain() == 0);

    n1.exec("ip route del " + n3.pod4.to_string());
    REQUIRE_FALSE(route_to(routes_87(n1, "-4"), n3.pod4));
    CHECK(wait_for_events(monitor) > 0);
    CHECK(routers[0].sync(peers) == 1);
    CHECK(route_to(routes_87(n1, "-4"), n3.pod4));
    monitor.drain();

    const auto mac_before = netlink::link::get_link(n1.nl, "wharf.vxlan").mac;
    n1.exec("ip link del wharf.vxlan");
    CHECK(wait_for_events(monitor) > 0);
    // The device, its two tunnel addresses, 4 neighbours, 2 FDB entries, 4 routes.
    CHECK(routers[0].sync(peers) == 13);
    const auto device = netlink::link::get_link(n1.nl, "wharf.vxlan");
    CHECK(device.mac == mac_before);
    CHECK(device.mac == vxlan_mac(n1.node_name));
    CHECK(n1.ping(n3.pod_ip4));
    CHECK(n1.ping(n3.pod_ip6));
    CHECK(routers[0].sync(peers) == 0);

    // A MAC and MTU changed by hand are set back in place, in one change; the kernel flushed the
    // device's neighbours, permanent ones too, when its MAC changed: the four come back.
    n1.exec("ip link set wharf.vxlan address 02:00:00:00:00:01 mtu 1400");
    CHECK(routers[0].sync(peers) == 5);
    CHECK(has_neighbour(vxlan_neighbours(n1), tunnel_address(n3.pod6), vxlan_mac(n3.node_name)));
    CHECK(n1.ping(n3.pod_ip4));
    const auto fixed = netlink::link::get_link(n1.nl, "wharf.vxlan");
    CHECK(fixed.mac == vxlan_mac(n1.node_name));
    CHECK(fixed.mtu == routers[0].pod_mtu());
    CHECK(fixed.index == device.index);
}

TEST_CASE("a VXLAN device with another VNI is made again, a stale tunnel address goes; a link of that name that is not VXLAN is left alone") {
    require_root();
    pod_routing_world w;
    auto& n1 = w.node(1);
    auto& n2 = w.node(2);
    netlink::link::create_vxlan(n1.nl, {.name = "wharf.vxlan", .vni = 99, .local = n1.ip4});
    auto router = router_in(n1, backend::vxlan);
    CHECK(router.sync(peers_of(w, {2})) > 0);
    CHECK(netlink::link::get_link(n1.nl, "wharf.vxlan").vxlan->vni == 1u);
    CHECK(has_fdb(vxlan_fdb(n1), vxlan_mac(n2.node_name), n2.ip4));
    // An old pod range's tunnel address goes; this node's stays.
    n1.exec("ip addr add 10.151.77.0/32 dev wharf.vxlan");
    CHECK(router.sync(peers_of(w, {2})) == 1);
    const std::string addresses = n1.exec("ip -4 addr show dev wharf.vxlan");
    CHECK(addresses.find("10.151.77.0") == std::string::npos);
    CHECK(addresses.find(tunnel_address(n1.pod4).to_string() + "/32") != std::string::npos);

    auto& n3 = w.node(3);
    netlink::link::create_bridge(n3.nl, {.name = "wharf.vxlan"});
    auto other = router_in(n3, backend::vxlan);
    CHECK_THROWS_WITH_AS(other.sync(peers_of(w, {1})), doctest::Contains("is not a VXLAN device"), std::runtime_error);
    CHECK(netlink::link::get_link(n3.nl, "wharf.vxlan").kind == "bridge");
}

TEST_CASE("vxlan over an IPv6 underlay: the tunnel carries both families, and the pod MTU is 70 below the underlay's") {
    require_root();
    pod_routing_world w;
    std::vector<pod_router> routers;
    for (int n = 1; n <= 3; ++n) {
        auto cfg = config_for(w.node(n), backend::vxlan);
        cfg.own_ips = {w.node(n).ip6};
        netns::guard in(w.node(n).handle);
        routers.emplace_back(cfg);
        CHECK(routers.back().sync(peers_of(w, {1, 2, 3})) > 0);
    }
    auto& n1 = w.node(1);
    auto& n3 = w.node(3);
    const unsigned mtu = routers[0].pod_mtu();
    CHECK(mtu == 1430u);
    const auto device = netlink::link::get_link(n1.nl, "wharf.vxlan");
    REQUIRE(device.vxlan);
    CHECK(device.vxlan->local == n1.ip6);
    CHECK(has_fdb(vxlan_fdb(n1), vxlan_mac(n3.node_name), n3.ip6));
    CHECK(n1.ping(n3.pod_ip4, static_cast<int>(mtu) - 28, true));
    CHECK(n1.ping(n3.pod_ip6, static_cast<int>(mtu) - 48, true));
    for (auto& r : routers) CHECK(r.sync(peers_of(w, {1, 2, 3})) == 0);
}
