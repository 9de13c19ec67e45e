// The firewall plugin's config parsing: keys, defaults, prevResult reading, and the codes of bad input.
#include <doctest/doctest.h>

#include <string>

#include "json/json.hpp"
#include "cni/error.hpp"
#include "firewall_conf.hpp"

using namespace wharf;
using namespace wharf::firewall;
using nlohmann::json;

namespace {

const json prev = {
    {"cniVersion", "1.1.0"},
    {"interfaces", json::array({{{"name", "wfwbr0"}, {"mac", "02:00:00:00:00:01"}},
                                {{"name", "veth1234"}, {"mac", "02:00:00:00:00:02"}},
                                {{"name", "eth0"}, {"mac", "02:00:00:00:00:03"}, {"sandbox", "/run/netns/x"}}})},
    {"ips", json::array({{{"address", "10.62.0.2/24"}, {"gateway", "10.62.0.1"}, {"interface", 2}},
                         {{"address", "fd00::2/64"}, {"interface", 2}}})}};

firewall_conf parse(json doc, cni::command cmd = cni::command::add, bool with_prev = true) {
    doc["cniVersion"] = "1.1.0";
    doc["name"] = "net";
    doc["type"] = "firewall";
    if (with_prev) doc["prevResult"] = prev;
    return parse_firewall_conf(cni::parse_net_conf(doc.dump(), cmd), cmd);
}

unsigned code_of(const json& doc, cni::command cmd = cni::command::add, bool with_prev = true) {
    try {
        parse(doc, cmd, with_prev);
    } catch (const cni::error& e) {
        return e.number();
    }
    return 0;
}

}  // namespace

TEST_CASE("defaults are the reference's; prevResult gives addresses, the bridge and the host veth") {
    const auto c = parse(json::object());
    CHECK(c.chosen == backend::detect);
    CHECK(c.admin_chain == "CNI-ADMIN");
    CHECK(c.zone == "trusted");
    CHECK(c.policy == ingress_policy::open);
    REQUIRE(c.addresses.size() == 2);
    CHECK(c.addresses[0].to_string() == "10.62.0.2");
    CHECK(c.addresses[1].to_string() == "fd00::2");
    CHECK(c.bridge == "wfwbr0");
    CHECK(c.host_veth == "veth1234");
}

TEST_CASE("keys as the reference reads them, case-insensitively; unknown backends detect") {
    const auto c = parse({{"Backend", "iptables"}, {"iptablesadminchainname", "MY-ADMIN"}, {"ingressPolicy", "same-bridge"}});
    CHECK(c.chosen == backend::iptables);
    CHECK(c.admin_chain == "MY-ADMIN");
    CHECK(c.policy == ingress_policy::same_bridge);
    CHECK(parse({{"backend", "nftables"}}).chosen == backend::detect);
    CHECK(parse({{"ingressPolicy", "isolated"}}).policy == ingress_policy::isolated);
    CHECK(parse({{"ingressPolicy", ""}}).policy == ingress_policy::open);
}

TEST_CASE("bad values are code 7 naming the key") {
    CHECK(code_of({{"ingressPolicy", "closed"}}) == 7);
    CHECK(code_of({{"iptablesAdminChainName", std::string(29, 'A')}}) == 7);
    CHECK(code_of({{"iptablesAdminChainName", "-X"}}) == 7);
    CHECK(code_of({{"iptablesAdminChainName", "A B"}}) == 7);
    CHECK(code_of({{"iptablesAdminChainName", std::string(28, 'A')}}) == 0);
    CHECK(code_of({{"firewalldZone", "my zone"}}) == 7);
    CHECK(code_of({{"firewalldZone", "../etc"}}) == 7);
    CHECK(code_of({{"firewalldZone", std::string(65, 'z')}}) == 7);
    CHECK(code_of(json::object(), cni::command::add, false) == 7);   // prevResult is needed on ADD
    CHECK(code_of(json::object(), cni::command::del, false) == 0);   // not on DEL
    try {
        parse({{"ingressPolicy", "closed"}});
    } catch (const cni::error& e) {
        CHECK(std::string(e.what()).find("ingressPolicy") != std::string::npos);
    }
}

TEST_CASE("an ingress policy needs the bridge, isolated also the host veth") {
    json doc = {{"ingressPolicy", "isolated"}, {"cniVersion", "1.1.0"}, {"name", "net"}, {"type", "firewall"}};
    json bare = prev;
    bare["interfaces"] = json::array({{{"name", "eth0"}, {"sandbox", "/run/netns/x"}}});
    for (auto& ip : bare["ips"]) ip.erase("interface");
    doc["prevResult"] = bare;
    // The sandbox interface is no host veth: isolated cannot find one.
    try {
        parse_firewall_conf(cni::parse_net_conf(doc.dump(), cni::command::add), cni::command::add);
        FAIL("accepted");
    } catch (const cni::error& e) {
        CHECK(e.number() == 7);
    }
}

TEST_CASE("the firewalld backend and its zone") {
    const auto c = parse({{"backend", "firewalld"}, {"firewalldZone", "docker-ish_1"}});
    CHECK(c.chosen == backend::firewalld);
    CHECK(c.zone == "docker-ish_1");
    CHECK(code_of({{"backend", "firewalld"}}, cni::command::check) == 0);
    CHECK(code_of({{"backend", "firewalld"}}, cni::command::del, false) == 0);
    CHECK(zone_name_problem("trusted").empty());
    CHECK_FALSE(zone_name_problem("a/b").empty());
    CHECK_FALSE(zone_name_problem("\xc3\xa9").empty());
}

TEST_CASE("chain names as x_tables takes them") {
    CHECK(chain_name_problem("CNI-ADMIN").empty());
    CHECK_FALSE(chain_name_problem("").empty());
    CHECK_FALSE(chain_name_problem("!A").empty());
    CHECK_FALSE(chain_name_problem("A\tB").empty());
}
