// portmap's config parsing and conditions: pure, no kernel state.
#include <doctest/doctest.h>

#include <netinet/in.h>

#include <string>

#include "cni/error.hpp"
#include "conditions.hpp"
#include "json/json.hpp"
#include "layout.hpp"
#include "portmap_conf.hpp"

using namespace wharf;
using namespace wharf::portmap;
using nlohmann::json;

namespace {

cni::request add_request() {
    cni::request r;
    r.cmd = cni::command::add;
    r.container_id = "c1";
    r.ifname = "eth0";
    return r;
}

portmap_conf parse(json doc, cni::command cmd = cni::command::add) {
    doc["cniVersion"] = "1.1.0";
    doc["name"] = "net";
    doc["type"] = "portmap";
    auto nc = cni::parse_net_conf(doc.dump(), cmd);
    cni::request req = add_request();
    req.cmd = cmd;
    return parse_portmap_conf(nc, req);
}

unsigned code_of(const json& doc) {
    try {
        parse(doc);
    } catch (const cni::error& e) {
        return e.number();
    }
    return 0;
}

std::string message_of(const json& doc) {
    try {
        parse(doc);
    } catch (const cni::error& e) {
        return std::string(e.what()) + " | " + e.details();
    }
    return {};
}

json with_mappings(json m) { return {{"runtimeConfig", {{"portMappings", m}}}}; }

}  // namespace

TEST_CASE("defaults and mappings as the reference reads them") {
    auto c = parse(with_mappings(json::array({{{"hostPort", 8080}, {"containerPort", 80}},
                                              {{"hostPort", 53}, {"containerPort", 53}, {"protocol", "UDP"}, {"hostIP", "10.0.0.1"}},
                                              {{"hostPort", 9}, {"containerPort", 9}, {"protocol", "sctp"}, {"hostIP", "::"}}})));
    CHECK(c.snat);
    CHECK_FALSE(c.masq_all);
    CHECK(c.mark_masq_bit == 13);
    REQUIRE(c.mappings.size() == 3);
    CHECK(c.mappings[0].protocol == IPPROTO_TCP);
    CHECK(c.mappings[0].applies_to(net::family::v4));
    CHECK(c.mappings[0].applies_to(net::family::v6));
    CHECK(c.mappings[0].key_address(net::family::v4).to_string() == "0.0.0.0");
    CHECK(c.mappings[1].protocol == IPPROTO_UDP);
    CHECK_FALSE(c.mappings[1].applies_to(net::family::v6));
    CHECK(c.mappings[2].protocol == IPPROTO_SCTP);
    CHECK(c.mappings[2].key_address(net::family::v6).to_string() == "::");
    CHECK_FALSE(c.mappings[2].applies_to(net::family::v4));
}

TEST_CASE("containerd's portMappings: go-cni's untagged struct fields (HostPort, ContainerPort, ...)") {
    // Exactly what containerd 1.6 (go-cni 1.1.7) sends for a pod with two hostPorts.
    auto c = parse(json::parse(R"({"runtimeConfig": {"portMappings": [
        {"HostPort": 18301, "ContainerPort": 80, "Protocol": "tcp", "HostIP": ""},
        {"HostPort": 18302, "ContainerPort": 53, "Protocol": "UDP", "HostIP": "10.0.0.1"}]}})"));
    REQUIRE(c.mappings.size() == 2);
    CHECK(c.mappings[0].host_port == 18301);
    CHECK(c.mappings[0].container_port == 80);
    CHECK(c.mappings[0].protocol == IPPROTO_TCP);
    CHECK_FALSE(c.mappings[0].host_ip);
    CHECK(c.mappings[1].host_port == 18302);
    CHECK(c.mappings[1].protocol == IPPROTO_UDP);
    REQUIRE(c.mappings[1].host_ip);
    CHECK(c.mappings[1].host_ip->to_string() == "10.0.0.1");
    // A missing key is still named as the reference names the field.
    CHECK(message_of(json::parse(R"({"runtimeConfig": {"portMappings": [{"HostPort": 1}]}})"))
              .find("runtimeConfig.portMappings[0].containerPort is missing") != std::string::npos);
}

TEST_CASE("portmap's own keys in any case") {
    auto c = parse(json::parse(R"({"SNAT": false, "MasqAll": true, "MarkMasqBit": 5,
        "ConditionsV4": ["ip saddr 10.0.0.0/8"], "CONDITIONSV6": ["ip6 saddr fd00::/8"],
        "RuntimeConfig": {"PortMappings": [{"hostPort": 8080, "containerPort": 80}]},
        "PrevResult": {"cniVersion": "1.1.0", "IPs": [{"Address": "10.9.0.5/24"}]}})"));
    CHECK_FALSE(c.snat);
    CHECK(c.masq_all);
    CHECK(c.mark_masq_bit == 5);
    CHECK(c.conditions_v4.size() == 1);
    CHECK(c.conditions_v6.size() == 1);
    CHECK(c.mappings.size() == 1);
    REQUIRE(c.container_v4);
    CHECK(c.container_v4->to_string() == "10.9.0.5/24");
    CHECK(code_of(json::parse(R"({"MarkMasqBit": 14, "ExternalSetMarkChain": "KUBE-MARK-MASQ"})")) == 7);
}

TEST_CASE("DEL goes on without port mappings it cannot read; ADD refuses them") {
    const json bad = json::parse(R"({"runtimeConfig": {"portMappings": [{"hostPort": "x", "containerPort": 80}]}})");
    CHECK(code_of(bad) == 7);
    CHECK(parse(bad, cni::command::del).mappings.empty());
    CHECK(parse(with_mappings("8080:80"), cni::command::del).mappings.empty());
    // The network's own keys are config, not per-request input: still refused.
    CHECK_THROWS_AS(parse({{"snat", "yes"}}, cni::command::del), cni::error);
}

TEST_CASE("the first IPv4 and IPv6 address of CNI_IFNAME in prevResult") {
    json prev = {{"cniVersion", "1.1.0"},
                 {"interfaces", json::array({{{"name", "br0"}}, {{"name", "eth0"}, {"sandbox", "/run/netns/x"}},
                                             {{"name", "eth1"}, {"sandbox", "/run/netns/x"}}})},
                 {"ips", json::array({{{"address", "10.0.0.1/24"}, {"interface", 0}},
                                      {{"address", "10.1.0.5/24"}, {"interface", 2}},
                                      {{"address", "10.2.0.5/24"}, {"interface", 1}},
                                      {{"address", "10.3.0.5/24"}, {"interface", 1}},
                                      {{"address", "fd00::5/64"}, {"interface", 1}}})}};
    auto c = parse({{"prevResult", prev}});
    REQUIRE(c.container_v4);
    CHECK(c.container_v4->address().to_string() == "10.2.0.5");
    REQUIRE(c.container_v6);
    CHECK(c.container_v6->to_string() == "fd00::5/64");
}

TEST_CASE("bad input: code 7 naming the key") {
    CHECK(code_of(with_mappings(json::array({{{"hostPort", 0}, {"containerPort", 80}}}))) == 7);
    CHECK(code_of(with_mappings(json::array({{{"hostPort", 70000}, {"containerPort", 80}}}))) == 7);
    CHECK(code_of(with_mappings(json::array({{{"hostPort", 80}}}))) == 7);
    CHECK(code_of(with_mappings(json::array({{{"hostPort", 80}, {"containerPort", 80}, {"protocol", "icmp"}}}))) == 7);
    CHECK(message_of(with_mappings(json::array({{{"hostPort", 80}, {"containerPort", 80}, {"protocol", "icmp"}}})))
              .find("portMappings[0].protocol") != std::string::npos);
    CHECK(code_of(with_mappings(json::array({{{"hostPort", 80}, {"containerPort", 80}, {"hostIP", "nonsense"}}}))) == 7);
    CHECK(code_of(with_mappings("8080:80")) == 7);
    CHECK(code_of({{"markMasqBit", 32}}) == 7);
    CHECK(code_of({{"markMasqBit", 14}, {"externalSetMarkChain", "KUBE-MARK-MASQ"}}) == 7);
    CHECK(code_of({{"snat", "yes"}}) == 7);
    CHECK(code_of({{"conditionsV4", "ip saddr 1.2.3.4"}}) == 7);
    CHECK(code_of({{"externalSetMarkChain", "KUBE-MARK-MASQ"}}) == 0);  // accepted; nftables needs no mark
}

TEST_CASE("conditions: simple nft matches are parsed; anything else is code 2 naming the condition") {
    auto c = parse({{"conditionsV4", json::array({"ip saddr != 10.0.0.0/8", "iifname", "\"eth0\"", "ip daddr 192.0.2.1"})},
                    {"conditionsV6", json::array({"ip6 saddr fd00::/8"})}});
    REQUIRE(c.conditions_v4.size() == 3);
    CHECK(c.conditions_v4[0].negate);
    CHECK(c.conditions_v4[0].address.to_string() == "10.0.0.0/8");
    CHECK(c.conditions_v4[1].ifname == "eth0");
    CHECK(c.conditions_v4[2].address.to_string() == "192.0.2.1/32");
    REQUIRE(c.conditions_v6.size() == 1);

    CHECK(code_of({{"conditionsV4", json::array({"-s 1.2.3.4"})}}) == 2);  // iptables syntax
    CHECK(message_of({{"conditionsV4", json::array({"-s", "1.2.3.4"})}}).find("\"-s 1.2.3.4\"") != std::string::npos);
    CHECK(code_of({{"conditionsV4", json::array({"ip6 saddr fd00::1"})}}) == 2);
    CHECK(code_of({{"conditionsV4", json::array({"ip saddr { 1.2.3.4, 5.6.7.8 }"})}}) == 2);
    CHECK(code_of({{"conditionsV4", json::array({"tcp dport 22"})}}) == 2);
    CHECK(code_of({{"conditionsV4", json::array({"ip saddr"})}}) == 2);
    CHECK(code_of({{"conditionsV6", json::array({"ip6 daddr 10.0.0.1"})}}) == 2);
}

TEST_CASE("map keys and targets in the kernel's layout") {
    auto key = layout::ports_key(IPPROTO_UDP, *net::ip_address::parse("10.0.0.1"), 8080);
    CHECK(key.size() == 12);
    auto d = layout::decode_ports_key(key, net::family::v4);
    CHECK(d.protocol == IPPROTO_UDP);
    CHECK(d.port == 8080);
    CHECK(d.host.to_string() == "10.0.0.1");
    auto key6 = layout::ports_key(IPPROTO_TCP, *net::ip_address::parse("::"), 443);
    CHECK(key6.size() == 24);
    auto sk = layout::standby_key(key6, *net::ip_address::parse("fd00::5"));
    CHECK(sk.size() == 40);
    CHECK(layout::ports_key_of_standby(sk, net::family::v6) == key6);
    CHECK(layout::describe_target(layout::target(*net::ip_address::parse("fd00::5"), 80), net::family::v6) == "[fd00::5]:80");
    CHECK(layout::hairpin_chain(*net::prefix::parse("10.88.0.7/16")) == "hp-10.88.0.0_16");
}
