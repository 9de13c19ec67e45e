#include <doctest/doctest.h>

#include "cni/config.hpp"
#include "cni/error.hpp"
#include "cni/version.hpp"
#include "json/json.hpp"

using namespace wharf::cni;

namespace {
unsigned code_of(const std::string& conf, command cmd = command::add, std::string* details = nullptr) {
    try {
        parse_net_conf(conf, cmd);
        return 0;
    } catch (const error& e) {
        if (details) *details = e.details();
        return e.number();
    }
}
}  // namespace

TEST_CASE("the shared keys are read") {
    auto c = parse_net_conf(R"({"cniVersion":"1.0.0","name":"net-1","type":"bridge",
        "capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[]},
        "ipam":{"type":"host-local"},"dns":{"nameservers":["10.0.0.1"]},"logLevel":"debug"})",
                            command::add);
    CHECK(c.cni_version == "1.0.0");
    CHECK(c.name == "net-1");
    CHECK(c.type == "bridge");
    CHECK(c.capabilities.get().at("portMappings") == true);
    CHECK(c.ipam.get().at("type") == "host-local");
    REQUIRE(c.dns);
    CHECK(c.dns->nameservers.at(0) == "10.0.0.1");
    CHECK(c.log_level == "debug");
    CHECK_FALSE(c.prev_result);
}

TEST_CASE("an empty cniVersion means 0.1.0") {
    CHECK(parse_net_conf(R"({"name":"n","type":"t"})", command::add).cni_version == "0.1.0");
}

TEST_CASE("prevResult is read in the config's version") {
    auto c = parse_net_conf(R"({"cniVersion":"0.2.0","name":"n","type":"t",
        "prevResult":{"cniVersion":"0.2.0","ip4":{"ip":"10.0.0.5/24","gateway":"10.0.0.1"}}})",
                            command::add);
    REQUIRE(c.prev_result);
    REQUIRE(c.prev_result->ips.size() == 1);
    CHECK(c.prev_result->ips[0].address.to_string() == "10.0.0.5/24");
}

TEST_CASE("valid attachments for GC") {
    auto c = parse_net_conf(R"({"cniVersion":"1.1.0","name":"n","type":"t",
        "cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]})",
                            command::gc);
    REQUIRE(c.valid_attachments.size() == 1);
    CHECK(c.valid_attachments[0] == attachment{"a", "eth0"});
}

TEST_CASE("bad configs get the spec's codes") {
    std::string details;
    CHECK(code_of("not json") == 6);
    CHECK(code_of("[1,2]") == 6);
    CHECK(code_of(R"({"cniVersion":"9.9.9","name":"n","type":"t"})", command::add, &details) == 1);
    CHECK(details.find("9.9.9") != std::string::npos);
    CHECK(code_of(R"({"cniVersion":"1.0.0","type":"t"})", command::add, &details) == 7);
    CHECK(details == "name");
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"bad name","type":"t"})") == 7);
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n"})", command::add, &details) == 7);
    CHECK(details == "type");
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":5,"type":"t"})") == 7);
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","type":"t","ipam":"x"})", command::add, &details) == 7);
    CHECK(details == "ipam");
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","type":"t","dns":{"nameservers":"x"}})") == 7);
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":{"ips":[{"address":"x"}]}})") == 6);
}

TEST_CASE("CHECK needs 0.4.0+, STATUS and GC need 1.1.0+") {
    CHECK(code_of(R"({"cniVersion":"0.3.1","name":"n","type":"t"})", command::check) == 1);
    CHECK(code_of(R"({"cniVersion":"0.4.0","name":"n","type":"t"})", command::check) == 0);
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","type":"t"})", command::status) == 1);
    CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","type":"t"})", command::gc) == 1);
    CHECK(code_of(R"({"cniVersion":"1.1.0","name":"n","type":"t"})", command::gc) == 0);
}

TEST_CASE("key helpers name the key and the bad value") {
    nlohmann::json j = {{"flag", "yes"}, {"n", 70000}, {"s", 3}};
    try {
        get_bool(j, "flag", false);
        FAIL("no throw");
    } catch (const error& e) {
        CHECK(e.number() == 7);
        CHECK(e.details() == "flag");
        CHECK(std::string(e.what()).find("\"yes\"") != std::string::npos);
    }
    CHECK_THROWS_AS(get_int(j, "n", 0, 0, 4094), error);
    CHECK_THROWS_AS(get_string(j, "s"), error);
    CHECK(get_int(j, "absent", 42, 0, 100) == 42);
}

TEST_CASE("the shared keys are matched as the reference's decoder matches them, in any case") {
    auto c = parse_net_conf(R"({"CNIVersion":"1.0.0","Name":"net-1","TYPE":"bridge",
        "Capabilities":{"portMappings":true},"RuntimeConfig":{"portMappings":[]},"Args":{"cni":{}},
        "IPAM":{"type":"host-local"},"DNS":{"Nameservers":["10.0.0.1"],"Domain":"d","Search":["s"]},
        "PrevResult":{"CNIVersion":"1.0.0","IPs":[{"Address":"10.1.2.3/24","Gateway":"10.1.2.1","Interface":0}],
                      "Interfaces":[{"Name":"eth0","Sandbox":"/run/netns/x","MAC":"aa:bb:cc:dd:ee:01"}],
                      "Routes":[{"Dst":"0.0.0.0/0","GW":"10.1.2.1"}]},
        "LogLevel":"debug"})",
                            command::add);
    CHECK(c.cni_version == "1.0.0");
    CHECK(c.name == "net-1");
    CHECK(c.type == "bridge");
    CHECK(c.capabilities.get().contains("portMappings"));
    CHECK(c.runtime_config.get().contains("portMappings"));
    CHECK(c.args.get().contains("cni"));
    CHECK(c.ipam.get().at("type") == "host-local");
    REQUIRE(c.dns);
    CHECK(c.dns->nameservers.at(0) == "10.0.0.1");
    CHECK(c.dns->domain == "d");
    CHECK(c.dns->search.at(0) == "s");
    REQUIRE(c.prev_result);
    REQUIRE(c.prev_result->ips.size() == 1);
    CHECK(c.prev_result->ips[0].address.to_string() == "10.1.2.3/24");
    CHECK(c.prev_result->ips[0].gateway->to_string() == "10.1.2.1");
    CHECK(c.prev_result->ips[0].interface == 0);
    REQUIRE(c.prev_result->interfaces.size() == 1);
    CHECK(c.prev_result->interfaces[0].sandbox == "/run/netns/x");
    CHECK(c.prev_result->interfaces[0].mac == "aa:bb:cc:dd:ee:01");
    REQUIRE(c.prev_result->routes.size() == 1);
    CHECK(c.prev_result->routes[0].gw->to_string() == "10.1.2.1");
    CHECK(c.log_level == "debug");
    // An exact key wins over a folded one.
    CHECK(parse_net_conf(R"({"cniVersion":"1.0.0","name":"exact","Name":"folded","type":"t"})", command::add).name ==
          "exact");
}

TEST_CASE("DEL goes on without per-request input it cannot read; ADD and CHECK refuse it") {
    const std::string bad_runtime = R"({"cniVersion":"1.1.0","name":"n","type":"t","runtimeConfig":"portMappings"})";
    const std::string bad_args = R"({"cniVersion":"1.1.0","name":"n","type":"t","args":[1,2]})";
    const std::string bad_prev = R"({"cniVersion":"1.1.0","name":"n","type":"t","prevResult":{"ips":[{"address":"nonsense"}]}})";
    for (const auto* conf : {&bad_runtime, &bad_args, &bad_prev}) {
        INFO(*conf);
        CHECK(code_of(*conf, command::add) != 0);
        CHECK(code_of(*conf, command::check) != 0);
        net_conf c = parse_net_conf(*conf, command::del);
        CHECK(c.ignored.size() == 1);
        CHECK(c.runtime_config.get().is_object());
        CHECK(c.args.get().is_object());
        CHECK_FALSE(c.prev_result);
    }
    CHECK(code_of(bad_runtime, command::add) == 7);
    CHECK(code_of(bad_prev, command::add) == 6);
    CHECK(parse_net_conf(bad_runtime, command::del).ignored.at(0).find("runtimeConfig") == 0);
    // The network's own keys are not per-request input: a DEL still refuses a broken config.
    CHECK(code_of(R"({"cniVersion":"1.1.0","name":"n","type":"t","ipam":"host-local"})", command::del) == 7);
}

TEST_CASE("read_per_request swallows a cni::error on DEL only") {
    auto fail = [] { throw error(code::invalid_config, "runtimeConfig.mac is bad"); };
    CHECK_FALSE(read_per_request(command::del, "runtimeConfig.mac", fail));
    CHECK_THROWS_AS(read_per_request(command::add, "runtimeConfig.mac", fail), error);
    CHECK_THROWS_AS(read_per_request(command::check, "runtimeConfig.mac", fail), error);
    CHECK(try_per_request(command::del, "runtimeConfig.mac", fail) == "runtimeConfig.mac: runtimeConfig.mac is bad");
    bool ran = false;
    CHECK(read_per_request(command::del, "x", [&] { ran = true; }));
    CHECK(ran);
}

TEST_CASE("versions") {
    CHECK(version_at_least("1.1.0", "0.4.0"));
    CHECK_FALSE(version_at_least("0.3.1", "0.4.0"));
    CHECK(version_at_least("0.10.0", "0.4.0"));
    CHECK_FALSE(parse_semver("1.0"));
    CHECK(version_info()["supportedVersions"].size() == 7);
}
