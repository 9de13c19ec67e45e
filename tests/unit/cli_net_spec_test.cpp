// `wharf net create`'s pure parts: Docker's default pools and the first free one, the checks of each
// option, and the conflist they become.
#include <doctest/doctest.h>

#include <functional>

#include "cli/failure.hpp"
#include "cli/net_spec.hpp"
#include "cli/subnet_pool.hpp"

using namespace wharf::cli;
using nlohmann::json;
namespace net = wharf::net;

namespace {

net::prefix p(const char* text) { return *net::prefix::parse(text); }

// The message of the failure(usage) `fn` throws; fails the test when it throws nothing or another code.
std::string usage_error(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const failure& f) {
        CHECK(f.code() == exit_code::usage);
        return f.what();
    }
    FAIL("no failure thrown");
    return {};
}

std::vector<subnet_spec> subnets(std::initializer_list<const char*> texts) {
    std::vector<subnet_spec> out;
    for (const char* t : texts) out.push_back({.subnet = parse_subnet(t)});
    return out;
}

}  // namespace

TEST_CASE("default pools: 172.17-31/16, then 192.168.0.0/16 in /20 steps, in Docker's order") {
    auto pools = default_pools();
    REQUIRE(pools.size() == 31);
    CHECK(pools.front() == p("172.17.0.0/16"));
    CHECK(pools[14] == p("172.31.0.0/16"));
    CHECK(pools[15] == p("192.168.0.0/20"));
    CHECK(pools[16] == p("192.168.16.0/20"));
    CHECK(pools.back() == p("192.168.240.0/20"));
}

TEST_CASE("the first free pool skips routes and networks that overlap, in either direction") {
    CHECK(pick_free_subnet({}) == p("172.17.0.0/16"));
    // A route inside a pool, a route covering several pools, and another network's subnet.
    std::vector<used_subnet> used = {{p("172.17.5.0/24"), "route a"}, {p("172.18.0.0/15"), "route b"}, {p("172.20.0.0/16"), "network c"}};
    CHECK(pick_free_subnet(used) == p("172.21.0.0/16"));
    CHECK(find_overlap(p("172.19.1.0/24"), used)->owner == "route b");
    CHECK(find_overlap(p("10.0.0.0/8"), used) == nullptr);
    CHECK(find_overlap(p("fd00::/64"), {{p("::/0"), "v6"}})->owner == "v6");
    CHECK(find_overlap(p("172.17.0.0/16"), {{p("fd00::/8"), "v6"}}) == nullptr);  // families never overlap
    // 172.16.0.0/12 covers every 172 pool; 192.168.0.0/17 the first eight /20s.
    CHECK(pick_free_subnet({{p("172.16.0.0/12"), "x"}, {p("192.168.0.0/17"), "y"}}) == p("192.168.128.0/20"));
    CHECK_FALSE(pick_free_subnet({{p("172.16.0.0/12"), "x"}, {p("192.168.0.0/16"), "y"}}));
}

TEST_CASE("names, subnets, gateways, ip-ranges and mtu are checked, naming the option and value") {
    CHECK(network_name_problem("my-net_1.a").empty());
    CHECK_FALSE(network_name_problem("-x").empty());
    CHECK_FALSE(network_name_problem("a/b").empty());
    CHECK_FALSE(network_name_problem("").empty());
    CHECK(default_bridge_name("db") == "wh-db");
    CHECK(default_bridge_name("twelve-chars") == "wh-twelve-chars");
    const std::string hashed = default_bridge_name("a-much-longer-network-name");
    CHECK(hashed.size() == 15);
    CHECK(hashed.rfind("wh-", 0) == 0);
    CHECK(hashed != default_bridge_name("a-much-longer-network-name2"));

    CHECK(parse_subnet("10.1.0.0/16") == p("10.1.0.0/16"));
    CHECK(parse_subnet("fd00:1::/64") == p("fd00:1::/64"));
    CHECK(usage_error([] { parse_subnet("10.1.2.3/16"); }).find("host bits") != std::string::npos);
    CHECK(usage_error([] { parse_subnet("10.1.2.0"); }).find("--subnet \"10.1.2.0\"") != std::string::npos);
    CHECK(usage_error([] { parse_subnet("10.1.2.0/31"); }).find("at most /30") != std::string::npos);
    CHECK(usage_error([] { check_distinct(subnets({"10.1.0.0/16", "10.1.2.0/24"})); }).find("overlaps --subnet 10.1.0.0/16") !=
          std::string::npos);

    auto s = subnets({"10.1.0.0/16", "fd00:1::/64"});
    assign_gateways(s, {"fd00:1::fe", "10.1.0.254"});
    CHECK(s[0].gateway->to_string() == "10.1.0.254");
    CHECK(s[1].gateway->to_string() == "fd00:1::fe");
    CHECK(usage_error([&] { assign_gateways(s, {"10.1.0.9"}); }).find("already has gateway 10.1.0.254") != std::string::npos);
    auto t = subnets({"10.2.0.0/24"});
    CHECK(usage_error([&] { assign_gateways(t, {"10.3.0.1"}); }).find("in none of the subnets: 10.2.0.0/24") != std::string::npos);
    CHECK(usage_error([&] { assign_gateways(t, {"10.2.0.0"}); }).find("network address") != std::string::npos);
    CHECK(usage_error([&] { assign_gateways(t, {"10.2.0.255"}); }).find("broadcast address") != std::string::npos);
    CHECK(usage_error([&] { assign_gateways(t, {"nope"}); }).find("not an IP address") != std::string::npos);

    CHECK(usage_error([&] { assign_ip_ranges(t, {"10.2.1.0/28"}); }).find("inside none of the subnets") != std::string::npos);
    CHECK(usage_error([&] { assign_ip_ranges(t, {"10.2.0.0/23"}); }).find("inside none of the subnets") != std::string::npos);
    CHECK(usage_error([&] { assign_ip_ranges(t, {"10.2.0.255/32"}); }).find("leaves no address") != std::string::npos);
    assign_ip_ranges(t, {"10.2.0.128/25"});
    CHECK(*t[0].ip_range == p("10.2.0.128/25"));

    CHECK(parse_mtu("1400") == 1400);
    for (const char* bad : {"67", "65536", "14x", ""}) CHECK(usage_error([&] { parse_mtu(bad); }).find("--mtu") != std::string::npos);
}

TEST_CASE("the conflist: bridge with host-local ranges per family, portmap, firewall and tuning when present") {
    network_spec spec{.name = "n", .subnets = subnets({"10.9.0.0/24", "fd00:9::/64", "10.9.1.0/24"}), .bridge = "wh-n",
                      .mtu = 1400, .firewall = true, .tuning = true};
    assign_ip_ranges(spec.subnets, {"10.9.0.0/26"});
    json c = json::parse(conflist_for(spec).dump());
    CHECK(conflist_for(spec).dump().rfind(R"({"cniVersion":"1.1.0","name":"n","plugins":[{"type":"bridge",)", 0) == 0);  // readable order
    CHECK(c["cniVersion"] == "1.1.0");
    CHECK(c["name"] == "n");
    REQUIRE(c["plugins"].size() == 4);
    const json& br = c["plugins"][0];
    CHECK(br["type"] == "bridge");
    CHECK(br["bridge"] == "wh-n");
    CHECK(br["isGateway"] == true);
    CHECK(br["ipMasq"] == true);
    CHECK(br["hairpinMode"] == true);
    CHECK(br["mtu"] == 1400);
    CHECK(br["ipam"]["ranges"] == json::parse(R"([
        [{"subnet":"10.9.0.0/24","gateway":"10.9.0.1","rangeStart":"10.9.0.1","rangeEnd":"10.9.0.63"},
         {"subnet":"10.9.1.0/24","gateway":"10.9.1.1"}],
        [{"subnet":"fd00:9::/64","gateway":"fd00:9::1"}]])"));
    CHECK(br["ipam"]["routes"] == json::parse(R"([{"dst":"0.0.0.0/0"},{"dst":"::/0"}])"));
    CHECK(c["plugins"][1] == json::parse(R"({"type":"portmap","capabilities":{"portMappings":true},"snat":true})"));
    CHECK(c["plugins"][2] == json::parse(R"({"type":"firewall"})"));
    CHECK(c["plugins"][3] == json::parse(R"({"type":"tuning"})"));

    // Internal: no masquerade, no default route, no portmap; isolated: same-bridge ingress.
    network_spec internal{.name = "i", .subnets = subnets({"10.8.0.0/24"}), .bridge = "wh-i", .internal = true, .isolate = true,
                          .firewall = true};
    json ci = json::parse(conflist_for(internal).dump());
    REQUIRE(ci["plugins"].size() == 2);
    CHECK(ci["plugins"][0]["ipMasq"] == false);
    CHECK_FALSE(ci["plugins"][0]["ipam"].contains("routes"));
    CHECK_FALSE(ci["plugins"][0].contains("mtu"));
    CHECK(ci["plugins"][1] == json::parse(R"({"type":"firewall","ingressPolicy":"same-bridge"})"));
}
