#include <doctest/doctest.h>

#include "cni/error.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"
#include "json/json.hpp"

using namespace wharf::cni;
using nlohmann::json;
using wharf::net::ip_address;
using wharf::net::prefix;

namespace {

result sample() {
    result r;
    r.interfaces = {{"cni0", "aa:bb:cc:00:00:01", 1500, "", "", ""},
                    {"vethab12", "aa:bb:cc:00:00:02", 1500, "", "", ""},
                    {"eth0", "aa:bb:cc:00:00:03", 1400, "/var/run/netns/c1", "", ""}};
    r.ips = {{*prefix::parse("10.22.0.5/16"), ip_address::parse("10.22.0.1"), 2},
             {*prefix::parse("fd00:22::5/64"), ip_address::parse("fd00:22::1"), 2}};
    route def4{*prefix::parse("0.0.0.0/0"), ip_address::parse("10.22.0.1")};
    def4.mtu = 1400;
    def4.table = 100;
    r.routes = {def4, {*prefix::parse("::/0"), ip_address::parse("fd00:22::1")}};
    r.dns.nameservers = {"10.22.0.1"};
    r.dns.search = {"example.test"};
    return r;
}

}  // namespace

TEST_CASE("1.1.0 golden") {
    json expected = json::parse(R"({"cniVersion":"1.1.0",
      "interfaces":[{"name":"cni0","mac":"aa:bb:cc:00:00:01","mtu":1500},
                    {"name":"vethab12","mac":"aa:bb:cc:00:00:02","mtu":1500},
                    {"name":"eth0","mac":"aa:bb:cc:00:00:03","mtu":1400,"sandbox":"/var/run/netns/c1"}],
      "ips":[{"interface":2,"address":"10.22.0.5/16","gateway":"10.22.0.1"},
             {"interface":2,"address":"fd00:22::5/64","gateway":"fd00:22::1"}],
      "routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1","mtu":1400,"table":100},{"dst":"::/0","gw":"fd00:22::1"}],
      "dns":{"nameservers":["10.22.0.1"],"search":["example.test"]}})");
    CHECK(to_json(sample(), "1.1.0") == expected);
}

TEST_CASE("1.0.0 golden drops the 1.1.0 fields") {
    json expected = json::parse(R"({"cniVersion":"1.0.0",
      "interfaces":[{"name":"cni0","mac":"aa:bb:cc:00:00:01"},
                    {"name":"vethab12","mac":"aa:bb:cc:00:00:02"},
                    {"name":"eth0","mac":"aa:bb:cc:00:00:03","sandbox":"/var/run/netns/c1"}],
      "ips":[{"interface":2,"address":"10.22.0.5/16","gateway":"10.22.0.1"},
             {"interface":2,"address":"fd00:22::5/64","gateway":"fd00:22::1"}],
      "routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1"},{"dst":"::/0","gw":"fd00:22::1"}],
      "dns":{"nameservers":["10.22.0.1"],"search":["example.test"]}})");
    CHECK(to_json(sample(), "1.0.0") == expected);
}

TEST_CASE("0.4.0, 0.3.1 and 0.3.0 golden carry ips[].version") {
    for (const char* v : {"0.4.0", "0.3.1", "0.3.0"}) {
        json j = to_json(sample(), v);
        CHECK(j["cniVersion"] == v);
        CHECK(j["ips"][0]["version"] == "4");
        CHECK(j["ips"][1]["version"] == "6");
        CHECK(j["ips"][0]["interface"] == 2);
        CHECK(j["interfaces"][2] == json::parse(R"({"name":"eth0","mac":"aa:bb:cc:00:00:03","sandbox":"/var/run/netns/c1"})"));
        CHECK_FALSE(j["routes"][0].contains("mtu"));
    }
}

TEST_CASE("0.2.0 and 0.1.0 golden use ip4/ip6") {
    json expected = json::parse(R"({"cniVersion":"0.2.0",
      "ip4":{"ip":"10.22.0.5/16","gateway":"10.22.0.1","routes":[{"dst":"0.0.0.0/0","gw":"10.22.0.1"}]},
      "ip6":{"ip":"fd00:22::5/64","gateway":"fd00:22::1","routes":[{"dst":"::/0","gw":"fd00:22::1"}]},
      "dns":{"nameservers":["10.22.0.1"],"search":["example.test"]}})");
    CHECK(to_json(sample(), "0.2.0") == expected);
    CHECK(to_json(sample(), "0.1.0")["ip4"] == expected["ip4"]);
}

TEST_CASE("every version round-trips what its shape can hold") {
    result full = sample();
    for (auto v : supported_versions) {
        INFO("version ", v);
        result back = result_from_json(to_json(full, v), v);
        CHECK(back.ips.size() == 2);
        CHECK(back.ips[0].address == full.ips[0].address);
        CHECK(back.ips[1].gateway == full.ips[1].gateway);
        CHECK(back.routes.size() == 2);
        CHECK(back.dns == full.dns);
        if (v == "1.1.0") CHECK(back == full);
        if (v != "0.1.0" && v != "0.2.0") {
            CHECK(back.interfaces.size() == 3);
            CHECK(back.ips[0].interface == 2);
        }
    }
}

TEST_CASE("conversion from 0.2.0 into 1.1.0 and back down") {
    json old = json::parse(R"({"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.9/24","routes":[{"dst":"10.9.0.0/16"}]}})");
    result r = result_from_json(old, "0.2.0");
    json now = to_json(r, "1.1.0");
    CHECK(now["ips"][0]["address"] == "10.1.0.9/24");
    CHECK_FALSE(now["ips"][0].contains("interface"));
    CHECK(now["routes"][0]["dst"] == "10.9.0.0/16");
    CHECK(to_json(r, "0.2.0")["ip4"] == old["ip4"]);
}

TEST_CASE("malformed results are decoding failures naming the field") {
    auto details_of = [](const char* text, const char* version) {
        try {
            result_from_json(json::parse(text), version);
            return std::string("no error");
        } catch (const error& e) {
            CHECK(e.number() == 6);
            return e.details();
        }
    };
    CHECK(details_of(R"({"ips":[{"address":"10.0.0.1"}]})", "1.0.0") == "ips[0].address");
    CHECK(details_of(R"({"ips":[{"address":"10.0.0.1/24","interface":3}]})", "1.0.0") == "ips[0].interface");
    CHECK(details_of(R"({"routes":[{"gw":"10.0.0.1"}]})", "1.1.0") == "routes[0].dst");
    CHECK(details_of(R"({"ip4":{"ip":"nope"}})", "0.2.0") == "ip4.ip");
    CHECK(details_of(R"({"interfaces":{}})", "0.4.0") == "interfaces");
}
