// Routes against the real kernel, inside a sandbox namespace; `ip -j route` observes independently.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>

#include "json/json.hpp"
#include "netlink/addr.hpp"
#include "netlink/error.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"

using namespace wharf;
using namespace wharf::netlink;
using nlohmann::json;

namespace {

net::prefix host_in(const net::prefix& subnet, int host) {
    return net::prefix(subnet.network().plus(host), subnet.length());
}

// A sandbox namespace with an up veth end holding .2 of a v4 and a v6 subnet (so .1 is a
// reachable gateway), and a socket bound inside.
struct route_env {
    route_env() {
        link::create_veth(nl, {.name = name, .peer_name = test::unique_name("wrp")});
        index = link::get_link(nl, name).index;
        link::set_up(nl, index);
        addr::add(nl, {.ifindex = index, .address = host_in(subnet_v4, 2)});
        addr::add(nl, {.ifindex = index, .address = host_in(subnet_v6, 2), .nodad = true});
    }
    bool root_checked = [] {
        REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)");
        return true;
    }();
    test::netns_sandbox sandbox{"wrt"};
    netns::handle ns = netns::handle::open(sandbox.path());
    netlink::socket nl = netns::open_socket(ns, NETLINK_ROUTE);
    std::string name = test::unique_name("wrt");
    net::prefix subnet_v4 = *net::prefix::parse(test::unique_subnet_v4());
    net::prefix subnet_v6 = *net::prefix::parse(test::unique_subnet_v6());
    if_index index;

    json ip_routes(const std::string& args) const {
        return json::parse(test::run_shell("ip -n " + sandbox.name() + " -j " + args));
    }
};

std::optional<route::entry> find(const std::vector<route::entry>& routes, const net::prefix& dst) {
    for (const auto& r : routes) {
        if (r.dst == dst) return r;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("IPv4 route with gateway, metric, mtu and advmss: add, list, replace, remove twice") {
    route_env env;
    const net::prefix dst = *net::prefix::parse(test::unique_subnet_v4());
    const net::ip_address gw = env.subnet_v4.network().plus(1);
    const route::options opts{.dst = dst, .gateway = gw, .ifindex = env.index, .metric = 100, .mtu = 1300, .advmss = 1260};
    route::add(env.nl, opts);

    const auto found = find(route::list(env.nl, net::family::v4, RT_TABLE_MAIN), dst);
    REQUIRE(found);
    CHECK(found->gateway == gw);
    CHECK(found->ifindex == env.index);
    CHECK(found->metric == 100u);
    CHECK(found->mtu == 1300u);
    CHECK(found->advmss == 1260u);
    CHECK(found->table == RT_TABLE_MAIN);
    CHECK(found->protocol == RTPROT_BOOT);
    CHECK(found->scope == RT_SCOPE_UNIVERSE);

    const json seen = env.ip_routes("route show " + dst.to_string());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0]["gateway"] == gw.to_string());
    CHECK(seen[0]["dev"] == env.name);
    CHECK(seen[0]["metric"] == 100);
    CHECK(seen[0]["metrics"].dump().find("1300") != std::string::npos);

    try {
        route::add(env.nl, opts);
        FAIL("duplicate route was accepted");
    } catch (const error& e) {
        CHECK(e.code_value() == EEXIST);
        CHECK(std::string(e.what()).find("add route " + dst.to_string() + " via " + gw.to_string()) == 0);
    }

    route::options changed = opts;
    changed.mtu = 1280;
    route::replace(env.nl, changed);
    const auto replaced = find(route::list(env.nl, net::family::v4), dst);
    REQUIRE(replaced);
    CHECK(replaced->mtu == 1280u);

    CHECK(route::remove(env.nl, opts));
    CHECK_FALSE(route::remove(env.nl, opts));
    CHECK_FALSE(find(route::list(env.nl, net::family::v4), dst));
    CHECK(env.ip_routes("route show " + dst.to_string()).empty());
}

TEST_CASE("routes in another table, link-scope routes and a default route") {
    route_env env;
    const net::prefix onlink = *net::prefix::parse(test::unique_subnet_v4());
    route::add(env.nl, {.dst = onlink, .ifindex = env.index, .table = 1000});
    const auto in_table = route::list(env.nl, net::family::v4, 1000);
    REQUIRE(in_table.size() == 1);
    CHECK(in_table[0].dst == onlink);
    CHECK(in_table[0].scope == RT_SCOPE_LINK);
    CHECK_FALSE(in_table[0].gateway);
    CHECK_FALSE(find(route::list(env.nl, net::family::v4, RT_TABLE_MAIN), onlink));
    const json seen = env.ip_routes("route show table 1000");
    REQUIRE(seen.size() == 1);
    CHECK(seen[0]["dst"] == onlink.to_string());
    CHECK(seen[0]["scope"] == "link");

    const net::prefix any = net::prefix::any(net::family::v4);
    const net::ip_address gw = env.subnet_v4.network().plus(1);
    route::add(env.nl, {.dst = any, .gateway = gw});  // the kernel finds the link from the gateway
    const auto def = find(route::list(env.nl, net::family::v4, RT_TABLE_MAIN), any);
    REQUIRE(def);
    CHECK(def->gateway == gw);
    CHECK(def->ifindex == env.index);
    CHECK(env.ip_routes("route show default").size() == 1);

    CHECK(route::remove(env.nl, {.dst = onlink, .ifindex = env.index, .table = 1000}));
    CHECK(route::list(env.nl, net::family::v4, 1000).empty());
    CHECK(route::remove(env.nl, {.dst = any, .gateway = gw}));
    CHECK_FALSE(route::remove(env.nl, {.dst = any, .gateway = gw}));
}

TEST_CASE("IPv6 route with gateway and metric") {
    route_env env;
    const net::prefix dst = *net::prefix::parse(test::unique_subnet_v6());
    const net::ip_address gw = env.subnet_v6.network().plus(1);
    route::add(env.nl, {.dst = dst, .gateway = gw, .ifindex = env.index, .metric = 512, .mtu = 1400});
    const auto found = find(route::list(env.nl, net::family::v6, RT_TABLE_MAIN), dst);
    REQUIRE(found);
    CHECK(found->gateway == gw);
    CHECK(found->metric == 512u);
    CHECK(found->mtu == 1400u);
    const json seen = env.ip_routes("-6 route show " + dst.to_string());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0]["gateway"] == gw.to_string());
    CHECK(seen[0]["metric"] == 512);
    CHECK(route::remove(env.nl, {.dst = dst, .gateway = gw, .ifindex = env.index, .metric = 512}));
    CHECK_FALSE(route::remove(env.nl, {.dst = dst, .gateway = gw, .ifindex = env.index, .metric = 512}));
}

TEST_CASE("route lookup: the link and gateway the kernel would use, as `ip route get` says; none is an error") {
    route_env env;
    const net::ip_address on_link = env.subnet_v4.network().plus(7);
    const route::entry direct = route::lookup(env.nl, on_link);
    CHECK(direct.ifindex == env.index);
    CHECK_FALSE(direct.gateway);
    const json seen = env.ip_routes("route get " + on_link.to_string());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0]["dev"] == env.name);

    const net::ip_address far = *net::ip_address::parse("192.0.2.77");
    try {
        route::lookup(env.nl, far);
        FAIL("a route to an address without one was found");
    } catch (const error& e) {
        CHECK(e.code_value() == ENETUNREACH);
        CHECK(std::string(e.what()).find("look up the route to 192.0.2.77") == 0);
    }
    const net::ip_address gw = env.subnet_v4.network().plus(1);
    route::add(env.nl, {.dst = net::prefix::any(net::family::v4), .gateway = gw});
    const route::entry via = route::lookup(env.nl, far);
    CHECK(via.gateway == gw);
    CHECK(via.ifindex == env.index);
    CHECK(env.ip_routes("route get 192.0.2.77")[0]["gateway"] == gw.to_string());

    const net::ip_address v6 = env.subnet_v6.network().plus(9);
    CHECK(route::lookup(env.nl, v6).ifindex == env.index);
}
