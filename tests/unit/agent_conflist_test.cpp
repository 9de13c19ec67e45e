// The conflist wharfd writes for a node's pod ranges, without a kernel: its JSON for IPv4, IPv6 and
// dual stack in both orders, with and without an MTU, and the refusals of --pod-cidr and --mtu.
#include <doctest/doctest.h>

#include "conflist.hpp"
#include "json/json.hpp"

using namespace wharf;
using agent::conflist_error;
using agent::parse_mtu;
using agent::parse_pod_cidrs;
using agent::render_conflist;
using nlohmann::json;

namespace {

json render(const char* cidrs, std::optional<unsigned> mtu = std::nullopt) {
    return json::parse(render_conflist({.pod_cidrs = parse_pod_cidrs(cidrs), .mtu = mtu}));
}

json ranges(const json& list) { return list["plugins"][0]["ipam"]["ranges"]; }
json routes(const json& list) { return list["plugins"][0]["ipam"]["routes"]; }

}  // namespace

TEST_CASE("an IPv4 pod CIDR gives bridge with one host-local range and a default route, then portmap") {
    const json list = render("10.238.1.0/24");
    CHECK(list["cniVersion"] == "1.1.0");
    CHECK(list["name"] == "wharf");
    REQUIRE(list["plugins"].size() == 2);
    const json& bridge = list["plugins"][0];
    CHECK(bridge["type"] == "bridge");
    CHECK(bridge["bridge"] == "wharf0");
    CHECK(bridge["isGateway"] == true);
    CHECK(bridge["ipMasq"] == true);
    CHECK(bridge["hairpinMode"] == true);
    CHECK_FALSE(bridge.contains("mtu"));
    CHECK(bridge["ipam"]["type"] == "host-local");
    CHECK(ranges(list) == json::parse(R"([[{"subnet": "10.238.1.0/24"}]])"));
    CHECK(routes(list) == json::parse(R"([{"dst": "0.0.0.0/0"}])"));
    const json& portmap = list["plugins"][1];
    CHECK(portmap == json::parse(R"({"type": "portmap", "capabilities": {"portMappings": true}, "snat": true})"));
}

TEST_CASE("an IPv6 pod CIDR gives an IPv6 range and ::/0") {
    const json list = render("fd00:10:238:1::/64");
    CHECK(ranges(list) == json::parse(R"([[{"subnet": "fd00:10:238:1::/64"}]])"));
    CHECK(routes(list) == json::parse(R"([{"dst": "::/0"}])"));
}

TEST_CASE("dual stack keeps the given order, in ranges and in routes") {
    const json v4_first = render("10.238.2.0/24,fd00:10:238:2::/64");
    CHECK(ranges(v4_first) ==
          json::parse(R"([[{"subnet": "10.238.2.0/24"}], [{"subnet": "fd00:10:238:2::/64"}]])"));
    CHECK(routes(v4_first) == json::parse(R"([{"dst": "0.0.0.0/0"}, {"dst": "::/0"}])"));
    const json v6_first = render("fd00:10:238:2::/64,10.238.2.0/24");
    CHECK(ranges(v6_first) ==
          json::parse(R"([[{"subnet": "fd00:10:238:2::/64"}], [{"subnet": "10.238.2.0/24"}]])"));
    CHECK(routes(v6_first) == json::parse(R"([{"dst": "::/0"}, {"dst": "0.0.0.0/0"}])"));
}

TEST_CASE("host bits are dropped: a CIDR is taken as its network") {
    CHECK(ranges(render("10.238.3.77/24")) == json::parse(R"([[{"subnet": "10.238.3.0/24"}]])"));
    CHECK(ranges(render("fd00:10:238:3::9/64")) == json::parse(R"([[{"subnet": "fd00:10:238:3::/64"}]])"));
}

TEST_CASE("--mtu goes onto the bridge") {
    CHECK(render("10.238.4.0/24", 1450)["plugins"][0]["mtu"] == 1450);
    CHECK(render("10.238.4.0/24,fd00:10:238:4::/64", 1280)["plugins"][0]["mtu"] == 1280);
    CHECK(parse_mtu("1500") == 1500);
    CHECK(parse_mtu("68") == 68);
    CHECK(parse_mtu("65535") == 65535);
}

TEST_CASE("in Kubernetes mode the bridge does not masquerade: the agent does, once per node") {
    const json list = json::parse(render_conflist(
        {.pod_cidrs = parse_pod_cidrs("10.238.1.0/24"), .mtu = 1450, .bridge_masquerade = false}));
    CHECK(list["plugins"][0]["ipMasq"] == false);
    CHECK(list["plugins"][0]["mtu"] == 1450);
}

TEST_CASE("the same options give the same bytes, ending in a newline") {
    const auto a = render_conflist({.pod_cidrs = parse_pod_cidrs("10.238.5.0/24"), .mtu = 1400});
    const auto b = render_conflist({.pod_cidrs = parse_pod_cidrs("10.238.5.0/24"), .mtu = 1400});
    CHECK(a == b);
    REQUIRE_FALSE(a.empty());
    CHECK(a.back() == '\n');
}

TEST_CASE("--pod-cidr refuses garbage, empty items, two of one family and ranges too small") {
    for (const char* bad : {"", "10.238.0.0", "garbage", "10.238.0.0/33", "10.238.0.0/24,", ",10.238.0.0/24",
                            "10.238.0.0/24,,fd00::/64", "10.238.0.0 /24", "fd00::/129", "10.238.0.0/31",
                            "10.238.0.0/32", "fd00::/127"})
        CHECK_THROWS_AS_MESSAGE(parse_pod_cidrs(bad), conflist_error, bad);
    CHECK_THROWS_WITH_AS(parse_pod_cidrs("10.238.0.0/24,10.238.1.0/24"),
                         doctest::Contains("10.238.0.0/24 and 10.238.1.0/24 are of one family"), conflist_error);
    CHECK_THROWS_WITH_AS(parse_pod_cidrs("fd00:1::/64,10.238.0.0/24,fd00:2::/64"),
                         doctest::Contains("are of one family"), conflist_error);
    CHECK_THROWS_WITH_AS(parse_pod_cidrs("garbage"), doctest::Contains("\"garbage\" is no CIDR"), conflist_error);
    CHECK(parse_pod_cidrs("10.238.0.0/30").size() == 1);
    CHECK(parse_pod_cidrs("fd00::/126").size() == 1);
}

TEST_CASE("--mtu refuses what is no MTU, and an IPv6 range needs 1280") {
    for (const char* bad : {"", "0", "67", "65536", "1500x", "-1", " 1500", "99999999999"})
        CHECK_THROWS_AS_MESSAGE(parse_mtu(bad), conflist_error, bad);
    CHECK_THROWS_WITH_AS(render_conflist({.pod_cidrs = parse_pod_cidrs("fd00:10:238::/64"), .mtu = 1279}),
                         doctest::Contains("1280"), conflist_error);
    CHECK_NOTHROW(render_conflist({.pod_cidrs = parse_pod_cidrs("10.238.6.0/24"), .mtu = 576}));
}
