// The bridge plugin's pure parts: config parsing and validation, gateway planning.
#include <doctest/doctest.h>

#include "bridge_conf.hpp"
#include "cni/error.hpp"
#include "gateway.hpp"
#include "json/json.hpp"

using namespace wharf;
using namespace wharf::bridge;
using nlohmann::json;

namespace {

cni::net_conf net_conf(const json& extra, cni::command cmd = cni::command::add) {
    json doc = {{"cniVersion", "1.1.0"}, {"name", "net1"}, {"type", "bridge"}};
    doc.merge_patch(extra);
    return cni::parse_net_conf(doc.dump(), cmd);
}

bridge_conf parse(const json& extra, const std::string& cni_args = "", cni::command cmd = cni::command::add) {
    cni::request req;
    req.cmd = cmd;
    if (!cni_args.empty()) {
        auto eq = cni_args.find('=');
        req.args.emplace_back(cni_args.substr(0, eq), cni_args.substr(eq + 1));
    }
    return parse_bridge_conf(net_conf(extra, cmd), req);
}

}  // namespace

TEST_CASE("defaults match the reference bridge") {
    bridge_conf c = parse(json::object());
    CHECK(c.bridge == "cni0");
    CHECK_FALSE(c.is_gateway);
    CHECK_FALSE(c.ip_masq);
    CHECK_FALSE(c.mtu);
    CHECK(c.vlan == 0);
    CHECK(c.preserve_default_vlan);
    CHECK_FALSE(c.isolation);
    CHECK_FALSE(c.mac);
    CHECK_FALSE(c.has_ipam);
    CHECK_FALSE(c.needs_nft());
}

TEST_CASE("every key is read; isDefaultGateway implies isGateway; unknown keys pass") {
    bridge_conf c = parse(json::parse(R"({
        "bridge": "br-x", "isDefaultGateway": true, "forceAddress": true, "ipMasq": true,
        "ipMasqBackend": "nftables", "mtu": 9000, "hairpinMode": true, "vlan": 42, "preserveDefaultVlan": false,
        "enabledad": true, "macspoofchk": true, "portIsolation": true, "isolation": true,
        "somethingElse": {"x": 1}, "ipam": {"type": "host-local"}})"));
    CHECK(c.bridge == "br-x");
    CHECK(c.is_gateway);
    CHECK(c.is_default_gateway);
    CHECK(c.force_address);
    CHECK(c.ip_masq);
    CHECK(c.mtu == 9000u);
    CHECK(c.hairpin);
    CHECK(c.vlan == 42);
    CHECK(c.vlan_filtering());
    CHECK_FALSE(c.preserve_default_vlan);
    CHECK(c.enable_dad);
    CHECK(c.macspoofchk);
    CHECK(c.port_isolation);
    CHECK(c.isolation);
    CHECK(c.has_ipam);
    CHECK(c.needs_nft());
}

TEST_CASE("keys are matched in any case, as the reference's decoder matches them") {
    const bridge_conf exact = parse(json::parse(R"({
        "bridge": "br-mixed", "isDefaultGateway": true, "forceAddress": true, "ipMasq": true,
        "ipMasqBackend": "nftables", "mtu": 1400, "hairpinMode": true, "vlan": 7, "preserveDefaultVlan": false,
        "enabledad": true, "macspoofchk": true, "portIsolation": true, "isolation": true,
        "ipam": {"type": "host-local"}, "runtimeConfig": {"mac": "02:00:00:00:00:09"}})"));
    const bridge_conf mixed = parse(json::parse(R"({
        "Bridge": "br-mixed", "IsDefaultGateway": true, "ForceAddress": true, "IPMasq": true,
        "IPMasqBackend": "nftables", "MTU": 1400, "HairpinMode": true, "Vlan": 7, "PreserveDefaultVlan": false,
        "EnableDAD": true, "MacSpoofChk": true, "PortIsolation": true, "Isolation": true,
        "IPAM": {"Type": "host-local"}, "RuntimeConfig": {"MAC": "02:00:00:00:00:09"}})"));
    CHECK(mixed == exact);
    CHECK(exact.mac->to_string() == "02:00:00:00:00:09");  // and the exact one read everything
    CHECK(exact.mtu == 1400u);
    CHECK(exact.is_gateway);
    CHECK(parse({{"VLANTrunk", json::parse(R"([{"MinID": 5, "MaxID": 6}, {"ID": 9}])")}}).vlan_trunk ==
          std::vector<std::uint16_t>{5, 6, 9});
    CHECK(parse({{"Args", {{"CNI", {{"Mac", "02:00:00:00:00:0a"}}}}}}).mac->to_string() == "02:00:00:00:00:0a");
}

TEST_CASE("DEL reads no MAC it cannot parse; ADD refuses it") {
    const json bad_runtime = {{"runtimeConfig", {{"mac", "not-a-mac"}}}};
    const json bad_args = {{"args", {{"cni", {{"mac", 42}}}}}};
    CHECK_THROWS_AS(parse(bad_runtime), cni::error);
    CHECK_THROWS_AS(parse(bad_args), cni::error);
    CHECK_THROWS_AS(parse(json::object(), "MAC=zz"), cni::error);
    CHECK_FALSE(parse(bad_runtime, "", cni::command::del).mac);
    CHECK_FALSE(parse(bad_args, "", cni::command::del).mac);
    CHECK_FALSE(parse(json::object(), "MAC=zz", cni::command::del).mac);
    // What can be read still is.
    CHECK(parse(bad_runtime, "MAC=02:00:00:00:00:01", cni::command::del).mac->to_string() == "02:00:00:00:00:01");
}

TEST_CASE("vlanTrunk ranges and ids are merged, sorted and unique") {
    bridge_conf c = parse({{"vlanTrunk", json::parse(R"([{"minID": 12, "maxID": 14}, {"id": 3}, {"id": 13}])")}});
    CHECK(c.vlan_trunk == std::vector<std::uint16_t>{3, 12, 13, 14});
}

TEST_CASE("MAC precedence: runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC") {
    CHECK(parse(json::object(), "MAC=02:00:00:00:00:01").mac->to_string() == "02:00:00:00:00:01");
    CHECK(parse({{"args", {{"cni", {{"mac", "02:00:00:00:00:02"}}}}}}, "MAC=02:00:00:00:00:01").mac->to_string() ==
          "02:00:00:00:00:02");
    CHECK(parse({{"args", {{"cni", {{"mac", "02:00:00:00:00:02"}}}}}, {"runtimeConfig", {{"mac", "02:00:00:00:00:03"}}}},
                "MAC=02:00:00:00:00:01")
              .mac->to_string() == "02:00:00:00:00:03");
}

TEST_CASE("bad values: code 7 with the key in details and the value in msg") {
    struct bad {
        json patch;
        std::string args, key, in_msg;
    };
    std::vector<bad> cases = {
        {{{"mtu", "1500"}}, "", "mtu", "\"1500\""},
        {{{"mtu", 70000}}, "", "mtu", "70000"},
        {{{"vlan", 4095}}, "", "vlan", "4095"},
        {{{"vlan", 1.5}}, "", "vlan", "1.5"},
        {{{"hairpinMode", true}, {"promiscMode", true}}, "", "hairpinMode", "promiscMode"},
        {{{"ipMasq", 1}}, "", "ipMasq", "1"},
        {{{"bridge", "has space"}}, "", "bridge", "has space"},
        {{{"vlanTrunk", {{"minID", 9}, {"maxID", 3}}}}, "", "vlanTrunk", "list"},
        {{{"vlanTrunk", json::parse(R"([{"minID": 9, "maxID": 3}])")}}, "", "vlanTrunk[0]", "above"},
        {{{"vlanTrunk", json::parse(R"([{"id": 4095}])")}}, "", "vlanTrunk[0].id", "4095"},
        {{{"runtimeConfig", {{"mac", "not-a-mac"}}}}, "", "runtimeConfig.mac", "not-a-mac"},
        {json::object(), "MAC=00:00:00:00:00:00", "CNI_ARGS MAC", "unicast"},
        {{{"ipMasqBackend", "ipfw"}}, "", "ipMasqBackend", "ipfw"},
        {{{"disableContainerInterface", true}, {"ipam", {{"type", "host-local"}}}}, "", "disableContainerInterface", "IPAM"},
    };
    for (const auto& b : cases) {
        INFO(b.patch.dump(), " ", b.args);
        try {
            parse(b.patch, b.args);
            FAIL("accepted");
        } catch (const cni::error& e) {
            CHECK(e.number() == 7);
            CHECK(e.details() == b.key);
            CHECK(std::string(e.what()).find(b.in_msg) != std::string::npos);
        }
    }
}

TEST_CASE("gateways: first address of the subnet, default route per family unless IPAM routes it") {
    bridge_conf c = parse({{"isDefaultGateway", true}});
    cni::result r;
    r.ips.push_back({.address = *net::prefix::parse("10.9.0.5/24")});
    r.ips.push_back({.address = *net::prefix::parse("fd00:9::5/64"), .gateway = net::ip_address::parse("fd00:9::fe")});
    r.routes.push_back({.dst = *net::prefix::parse("::/0"), .gw = net::ip_address::parse("fd00:9::fe")});
    auto gws = apply_gateways(r, c);
    CHECK(r.ips[0].gateway == net::ip_address::parse("10.9.0.1"));
    CHECK(r.ips[0].interface == 2);
    REQUIRE(gws.size() == 2);
    CHECK(gws[0].to_string() == "10.9.0.1/24");
    CHECK(gws[1].to_string() == "fd00:9::fe/64");
    REQUIRE(r.routes.size() == 2);
    CHECK(r.routes[1].dst.to_string() == "0.0.0.0/0");
    CHECK(r.routes[1].gw == net::ip_address::parse("10.9.0.1"));

    bridge_conf plain = parse(json::object());
    cni::result r2;
    r2.ips.push_back({.address = *net::prefix::parse("10.9.0.5/24")});
    CHECK(apply_gateways(r2, plain).empty());
    CHECK_FALSE(r2.ips[0].gateway);
    CHECK(r2.routes.empty());
}
