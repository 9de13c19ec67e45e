// host-local's pure parts: range parsing and defaults, every config error, iteration order, requested
// addresses, and the ipam config as a whole.
#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "allocator.hpp"
#include "cni/error.hpp"
#include "ipam_conf.hpp"
#include "json/json.hpp"
#include "range_set.hpp"
#include "resolv_conf.hpp"

using namespace wharf;
using namespace wharf::ipam;
using nlohmann::json;

namespace {

net::ip_address ip(const char* s) { return *net::ip_address::parse(s); }

template <typename Fn>
cni::error error_of(Fn&& fn) {
    try {
        fn();
    } catch (const cni::error& e) {
        return e;
    }
    throw std::runtime_error("expected a cni::error, got none");
}

// Asserts a config error (code 7) whose message names every fragment.
template <typename Fn>
void check_config_error(Fn&& fn, std::initializer_list<const char*> fragments) {
    cni::error e = error_of(fn);
    CHECK(e.number() == 7);
    for (const char* f : fragments) {
        INFO("message: ", e.what(), " expected to contain: ", f);
        CHECK(std::string(e.what()).find(f) != std::string::npos);
    }
}

ip_range range(const char* text) { return parse_range(json::parse(text), "r"); }

cni::net_conf conf_with(json ipam, json runtime = json::object(), json args = json::object()) {
    cni::net_conf c;
    c.cni_version = "1.1.0";
    c.name = "testnet";
    c.type = "host-local";
    c.ipam = std::move(ipam);
    c.runtime_config = std::move(runtime);
    c.args = std::move(args);
    return c;
}

std::vector<std::string> walk(const range_set& s, std::optional<net::ip_address> last, int limit = 100) {
    std::vector<std::string> out;
    range_iterator it(s, last);
    while (auto a = it.next()) {
        out.push_back(a->to_string());
        if (static_cast<int>(out.size()) > limit) break;
    }
    return out;
}

}  // namespace

TEST_CASE("range defaults follow the reference") {
    auto r = range(R"({"subnet": "10.1.2.0/24"})");
    CHECK(r.gateway.to_string() == "10.1.2.1");
    CHECK(r.start.to_string() == "10.1.2.1");
    CHECK(r.end.to_string() == "10.1.2.254");  // the broadcast address is excluded
    CHECK(r.size() == 253);                     // .1 is the gateway
    CHECK_FALSE(r.contains(ip("10.1.2.0")));
    CHECK_FALSE(r.contains(ip("10.1.2.255")));
    CHECK(r.contains(ip("10.1.2.254")));

    auto v6 = range(R"({"subnet": "fd00:1::/64"})");
    CHECK(v6.gateway.to_string() == "fd00:1::1");
    CHECK(v6.end.to_string() == "fd00:1::ffff:ffff:ffff:ffff");  // IPv6 has no broadcast address
    CHECK(v6.size() == 0xffffffffffffffffull - 1);

    auto explicit_r = range(R"({"subnet": "10.1.0.0/16", "rangeStart": "10.1.5.10", "rangeEnd": "10.1.5.20",
                                "gateway": "10.1.0.254"})");
    CHECK(explicit_r.start.to_string() == "10.1.5.10");
    CHECK(explicit_r.end.to_string() == "10.1.5.20");
    CHECK(explicit_r.gateway.to_string() == "10.1.0.254");
    CHECK(explicit_r.size() == 11);  // the gateway lies outside [start, end]
    CHECK(range(R"({"subnet": "10.9.0.0/30"})").size() == 1);  // .1 gateway, .2 free
}

TEST_CASE("every range config error is code 7 and names the key and value") {
    check_config_error([] { range(R"({"subnet": "10.1.2.3/24"})"); }, {"r.subnet", "10.1.2.3/24", "host bits", "10.1.2.0"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/31"})"); }, {"r.subnet", "10.1.2.0/31", "too small"});
    check_config_error([] { range(R"({"subnet": "10.1.2.4/32"})"); }, {"r.subnet", "too small"});
    check_config_error([] { range(R"({"subnet": "fd00::/127"})"); }, {"r.subnet", "fd00::/127", "too small"});
    check_config_error([] { range(R"({"subnet": "nonsense"})"); }, {"r.subnet", "nonsense"});
    check_config_error([] { range(R"({"subnet": "10.0.0.0"})"); }, {"r.subnet", "10.0.0.0"});
    check_config_error([] { range(R"({"subnet": 42})"); }, {"r.subnet", "42"});
    check_config_error([] { range(R"({"rangeStart": "10.0.0.1"})"); }, {"r.subnet", "required"});
    check_config_error([] { range(R"("10.0.0.0/24")"); }, {"r", "object"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "gateway": "10.1.3.1"})"); },
                       {"r.gateway", "10.1.3.1", "outside", "10.1.2.0/24"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "gateway": "fd00::1"})"); }, {"r.gateway", "fd00::1"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "gateway": "10.1.2"})"); }, {"r.gateway", "10.1.2"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "rangeStart": "10.1.3.5"})"); },
                       {"r.rangeStart", "10.1.3.5", "outside"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "rangeEnd": "10.2.0.0"})"); },
                       {"r.rangeEnd", "10.2.0.0", "outside"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "rangeStart": "10.1.2.0"})"); },
                       {"r.rangeStart", "10.1.2.0", "network"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "rangeEnd": "10.1.2.255"})"); },
                       {"r.rangeEnd", "10.1.2.255", "broadcast"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "rangeStart": "10.1.2.50", "rangeEnd": "10.1.2.40"})"); },
                       {"r", "10.1.2.50", "10.1.2.40", "after"});
    check_config_error([] { range(R"({"subnet": "10.1.2.0/24", "rangeStart": "10.1.2.1", "rangeEnd": "10.1.2.1"})"); },
                       {"r", "no address besides the gateway", "10.1.2.1"});
}

TEST_CASE("range sets: one family, no overlap, not empty") {
    auto s = parse_range_set(json::parse(R"([{"subnet": "10.1.0.0/24"}, {"subnet": "10.2.0.0/24"}])"), "set");
    CHECK(s.ranges.size() == 2);
    CHECK(s.size() == 506);
    CHECK(s.contains(ip("10.2.0.7")));
    CHECK_FALSE(s.contains(ip("10.3.0.7")));
    check_config_error([] { parse_range_set(json::parse(R"([])"), "set"); }, {"set", "empty"});
    check_config_error([] { parse_range_set(json::parse(R"({"subnet": "10.1.0.0/24"})"), "set"); }, {"set", "array"});
    check_config_error([] { parse_range_set(json::parse(R"([{"subnet": "10.1.0.0/24"}, {"subnet": "fd00::/64"}])"), "set"); },
                       {"set[1].subnet", "fd00::/64", "mix"});
    check_config_error(
        [] { parse_range_set(json::parse(R"([{"subnet": "10.1.0.0/16"}, {"subnet": "10.1.5.0/24"}])"), "set"); },
        {"set[1]", "10.1.5.0/24", "overlaps", "set[0]", "10.1.0.0/16"});
    // Two ranges in one subnet that do not overlap are fine.
    CHECK_NOTHROW(parse_range_set(json::parse(R"([{"subnet": "10.1.0.0/24", "rangeEnd": "10.1.0.100"},
        {"subnet": "10.1.0.0/24", "rangeStart": "10.1.0.101"}])"), "set"));
}

TEST_CASE("iteration: reference order, gateway skipped, round robin, wrap once") {
    auto s = parse_range_set(json::parse(R"([{"subnet": "10.0.0.0/29"}, {"subnet": "10.0.1.0/30"}])"), "s");
    // /29: .1 gateway, .2-.6 free; /30: .1 gateway, .2 free.
    std::vector<std::string> all = {"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.1.2"};
    CHECK(walk(s, std::nullopt) == all);
    CHECK(walk(s, ip("10.0.0.4")) ==
          std::vector<std::string>{"10.0.0.5", "10.0.0.6", "10.0.1.2", "10.0.0.2", "10.0.0.3", "10.0.0.4"});
    CHECK(walk(s, ip("10.0.1.2")) == all);  // the end of the last range wraps to the first
    CHECK(walk(s, ip("192.168.0.1")) == all);  // a pointer outside the set is ignored

    auto mid_gw = parse_range_set(json::parse(R"([{"subnet": "10.0.2.0/29", "gateway": "10.0.2.3"}])"), "s");
    CHECK(walk(mid_gw, std::nullopt) == std::vector<std::string>{"10.0.2.1", "10.0.2.2", "10.0.2.4", "10.0.2.5", "10.0.2.6"});

    std::set<std::string> taken = {"10.0.0.5", "10.0.0.6"};
    auto is_taken = [&](const net::ip_address& a) { return taken.contains(a.to_string()); };
    CHECK(find_free(s, ip("10.0.0.4"), is_taken)->to_string() == "10.0.1.2");
    taken = {all.begin(), all.end()};
    CHECK_FALSE(find_free(s, ip("10.0.0.4"), is_taken));

    auto v6 = parse_range_set(json::parse(R"([{"subnet": "fd00::/120", "rangeStart": "fd00::fe"}])"), "s");
    CHECK(walk(v6, std::nullopt) == std::vector<std::string>{"fd00::fe", "fd00::ff"});
}

TEST_CASE("requested addresses are matched to range sets") {
    std::vector<range_set> sets = {parse_range_set(json::parse(R"([{"subnet": "10.0.0.0/24"}])"), "a"),
                                   parse_range_set(json::parse(R"([{"subnet": "fd00::/64"}])"), "b")};
    auto got = assign_requests(sets, {ip("fd00::9"), ip("10.0.0.9")});
    REQUIRE(got.size() == 2);
    CHECK(got[0]->to_string() == "10.0.0.9");
    CHECK(got[1]->to_string() == "fd00::9");
    CHECK_FALSE(assign_requests(sets, {})[0]);
    check_config_error([&] { assign_requests(sets, {ip("10.0.0.1")}); }, {"10.0.0.1", "gateway", "range set 0"});
    check_config_error([&] { assign_requests(sets, {ip("10.0.0.5"), ip("10.0.0.6")}); }, {"10.0.0.5", "10.0.0.6", "range set 0"});
    check_config_error([&] { assign_requests(sets, {ip("10.9.0.5")}); }, {"10.9.0.5", "none"});
    check_config_error([&] { assign_requests(sets, {ip("10.0.0.255")}); }, {"10.0.0.255"});
}

TEST_CASE("ipam config: legacy keys, ranges, runtime ranges, requests") {
    cni::request req;
    req.args = {{"IP", "10.5.0.7, fd00:5::7"}};
    auto c = parse_ipam_conf(conf_with(json::parse(R"({"type": "host-local", "subnet": "10.5.0.0/24",
        "ranges": [[{"subnet": "fd00:5::/64"}]], "dataDir": "/tmp/x",
        "routes": [{"dst": "0.0.0.0/0"}, {"dst": "192.168.0.0/16", "gw": "10.5.0.254"}]})"),
                                        json::parse(R"({"ips": ["10.5.0.7/24"], "ipRanges": [[{"subnet": "10.6.0.0/24"}]]})"),
                                        json::parse(R"({"cni": {"ips": ["10.6.0.9"]}})")),
                             req, true);
    REQUIRE(c.range_sets.size() == 3);
    CHECK(c.range_sets[0].ranges[0].subnet.to_string() == "10.6.0.0/24");  // runtime ranges first
    CHECK(c.range_sets[1].ranges[0].subnet.to_string() == "10.5.0.0/24");  // then the legacy keys
    CHECK(c.range_sets[2].ranges[0].subnet.to_string() == "fd00:5::/64");
    CHECK(c.data_dir == "/tmp/x");
    CHECK(c.store_dir() == "/tmp/x/testnet");
    REQUIRE(c.routes.size() == 2);
    CHECK(c.routes[1].gw->to_string() == "10.5.0.254");
    CHECK_FALSE(c.routes[0].gw);
    REQUIRE(c.requested.size() == 3);  // 10.5.0.7 twice is one request
    CHECK(c.requested[0].to_string() == "10.5.0.7");
    CHECK(c.requested[1].to_string() == "fd00:5::7");
    CHECK(c.requested[2].to_string() == "10.6.0.9");

    auto defaults = parse_ipam_conf(conf_with(json::parse(R"({"ranges": [[{"subnet": "10.5.0.0/24"}]]})")), req, false);
    CHECK(defaults.data_dir == "/var/lib/cni/networks");
    CHECK(defaults.requested.empty());

    cni::request bad;
    bad.args = {{"IP", "10.5.0.x"}};
    auto ok = parse_ipam_conf(conf_with(json::parse(R"({"subnet": "10.5.0.0/24"})")), bad, false);
    CHECK(ok.requested.empty());  // DEL never reads IP=
    check_config_error([&] { parse_ipam_conf(conf_with(json::parse(R"({"subnet": "10.5.0.0/24"})")), bad, true); },
                       {"CNI_ARGS IP", "10.5.0.x"});
}

TEST_CASE("ipam keys in any case; containerd's ipRanges (Subnet, RangeStart, RangeEnd, Gateway)") {
    cni::request req;
    req.cmd = cni::command::add;
    auto c = parse_ipam_conf(conf_with(json::parse(R"({"Type": "host-local", "Subnet": "10.5.0.0/24",
        "RangeStart": "10.5.0.10", "Gateway": "10.5.0.254", "DataDir": "/tmp/y", "ResolvConf": "/tmp/r",
        "Ranges": [[{"Subnet": "fd00:5::/64", "RangeEnd": "fd00:5::ff"}]],
        "Routes": [{"Dst": "192.168.0.0/16", "GW": "10.5.0.1"}]})"),
                                        json::parse(R"({"IPs": ["10.5.0.20"], "ipRanges": [[{"Subnet": "10.7.0.0/24",
        "RangeStart": "10.7.0.100", "RangeEnd": "10.7.0.150", "Gateway": "10.7.0.1"}]]})"),
                                        json::parse(R"({"CNI": {"IPs": ["10.7.0.120"]}})")),
                             req, true);
    REQUIRE(c.range_sets.size() == 3);
    const auto& runtime = c.range_sets[0].ranges.at(0);
    CHECK(runtime.subnet.to_string() == "10.7.0.0/24");
    CHECK(runtime.start.to_string() == "10.7.0.100");
    CHECK(runtime.end.to_string() == "10.7.0.150");
    CHECK(runtime.gateway.to_string() == "10.7.0.1");
    CHECK(c.range_sets[1].ranges.at(0).start.to_string() == "10.5.0.10");
    CHECK(c.range_sets[1].ranges.at(0).gateway.to_string() == "10.5.0.254");
    CHECK(c.range_sets[2].ranges.at(0).end.to_string() == "fd00:5::ff");
    CHECK(c.data_dir == "/tmp/y");
    CHECK(c.resolv_conf == "/tmp/r");
    REQUIRE(c.routes.size() == 1);
    CHECK(c.routes[0].gw->to_string() == "10.5.0.1");
    REQUIRE(c.requested.size() == 2);
    CHECK(c.requested[0].to_string() == "10.7.0.120");  // args.cni.ips
    CHECK(c.requested[1].to_string() == "10.5.0.20");   // runtimeConfig.ips
}

TEST_CASE("DEL goes on without runtime ranges it cannot read; ADD refuses them") {
    const json ipam = json::parse(R"({"ranges": [[{"subnet": "10.5.0.0/24"}]]})");
    const json bad_runtime = json::parse(R"({"ipRanges": [[{"subnet": "10.6.0.0/24"}], [{"subnet": "not-a-cidr"}]]})");
    cni::request add;
    add.cmd = cni::command::add;
    check_config_error([&] { parse_ipam_conf(conf_with(ipam, bad_runtime), add, true); },
                       {"runtimeConfig.ipRanges[1][0].subnet", "not-a-cidr"});
    cni::request del;
    del.cmd = cni::command::del;
    auto c = parse_ipam_conf(conf_with(ipam, bad_runtime), del, false);
    REQUIRE(c.range_sets.size() == 1);  // none of the unreadable runtime ranges, not half of them
    CHECK(c.range_sets[0].ranges.at(0).subnet.to_string() == "10.5.0.0/24");
}

TEST_CASE("ipam config errors name the key and value") {
    cni::request req;
    auto parse = [&](const char* ipam, json runtime = json::object()) {
        return parse_ipam_conf(conf_with(json::parse(ipam), std::move(runtime)), req, true);
    };
    check_config_error([&] { parse(R"({"type": "host-local"})"); }, {"no IP ranges"});
    check_config_error([&] { parse(R"({"ranges": [[{"subnet": "10.5.0.1/24"}]]})"); },
                       {"ipam.ranges[0][0].subnet", "10.5.0.1/24"});
    check_config_error([&] { parse(R"({"subnet": "10.5.0.0/31"})"); }, {"ipam.subnet", "10.5.0.0/31"});
    check_config_error([&] { parse(R"({"rangeStart": "10.5.0.3", "ranges": [[{"subnet": "10.5.0.0/24"}]]})"); },
                       {"ipam.rangeStart", "without ipam.subnet"});
    check_config_error([&] { parse(R"({"ranges": [[{"subnet": "10.5.0.0/16"}], [{"subnet": "10.5.3.0/24"}]]})"); },
                       {"range set 0", "ipam.ranges[0]", "10.5.0.0/16", "range set 1", "ipam.ranges[1]", "10.5.3.0/24", "overlaps"});
    check_config_error([&] { parse(R"({"ranges": [[{"subnet": "10.5.0.0/24"}]]})", json::parse(R"({"ipRanges": [[{"subnet": "10.5.0.0/25"}]]})")); },
                       {"runtimeConfig.ipRanges[0]", "ipam.ranges[0]", "overlaps"});
    check_config_error([&] { parse(R"({"ranges": {"subnet": "10.5.0.0/24"}})"); }, {"ipam.ranges", "array"});
    check_config_error([&] { parse(R"({"subnet": "10.5.0.0/24", "routes": [{"dst": "10.0.0.0"}]})"); },
                       {"ipam.routes[0].dst", "10.0.0.0"});
    check_config_error([&] { parse(R"({"subnet": "10.5.0.0/24", "routes": [{"dst": "0.0.0.0/0", "gw": "fd00::1"}]})"); },
                       {"ipam.routes[0].gw", "fd00::1"});
    check_config_error([&] { parse(R"({"subnet": "10.5.0.0/24"})", json::parse(R"({"ips": ["nope"]})")); },
                       {"runtimeConfig.ips[0]", "nope"});
    check_config_error([&] { parse(R"({"subnet": "10.5.0.0/24", "dataDir": ""})"); }, {"ipam.dataDir"});

    auto c = conf_with(json::parse(R"({"subnet": "10.5.0.0/24"})"));
    c.name = "../escape";
    check_config_error([&] { parse_ipam_conf(c, req, true); }, {"../escape", "network name"});
    c = conf_with(json::parse(R"({"ranges": [[{"subnet": "10.5.0.0/24"}], [{"subnet": "10.6.0.0/24"}]]})"));
    c.cni_version = "0.2.0";
    check_config_error([&] { parse_ipam_conf(c, req, true); }, {"0.2.0", "more than one address per family"});
}

TEST_CASE("resolv.conf becomes the DNS object") {
    auto d = parse_resolv_conf_text("# comment\nnameserver 10.0.0.53\nnameserver fd00::53 ; trailing\n"
                                    "domain example.org\nsearch a.example b.example\noptions ndots:2 edns0\n");
    CHECK(d.nameservers == std::vector<std::string>{"10.0.0.53", "fd00::53"});
    CHECK(d.domain == "example.org");
    CHECK(d.search == std::vector<std::string>{"a.example", "b.example"});
    CHECK(d.options == std::vector<std::string>{"ndots:2", "edns0"});
    check_config_error([] { read_resolv_conf("/nonexistent/wharf/resolv.conf"); }, {"resolvConf", "/nonexistent/wharf/resolv.conf"});
}
