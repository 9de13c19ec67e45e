// The tuning plugin in a chain and beside the reference: bridge → tuning as Podman's networks chain
// them (the MAC reaching the result), and records the reference's tuning restores from, and back.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "json/json.hpp"
#include "support/netns_exec.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"
#include "support/temp_dir.hpp"

using namespace wharf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* reference_tuning = "/usr/lib/cni/tuning";

json eth0_of(const netns_sandbox& ns) { return json::parse(ns.exec("ip -j link show dev eth0")).at(0); }

}  // namespace

TEST_CASE("bridge then tuning in a sandboxed host: the MAC set by tuning is the result's, DEL in reverse restores it") {
    REQUIRE(geteuid() == 0);
    netns_sandbox host("wtun");
    netns_sandbox container("wtun");
    temp_dir dirs("wtun-chain");
    const std::string subnet = "10.61." + std::to_string(getpid() % 250) + ".0/24";
    const json bridge_conf = {{"cniVersion", "0.4.0"}, {"name", "wtun-podman"}, {"type", "bridge"},
                              {"bridge", unique_name("wtun")}, {"isGateway", true}, {"ipMasq", false},
                              {"ipam", {{"type", "host-local"}, {"dataDir", dirs.path() + "/ipam"},
                                        {"ranges", {{{{"subnet", subnet}}}}}}}};
    const cni_call call{.command = "ADD", .container_id = "wtun-ctr", .netns = container.path(),
                        .args = "IgnoreUnknown=1;K8S_POD_NAME=web;MAC=02:61:0a:0b:0c:0d"};
    auto bridge_call = call;
    bridge_call.args = "IgnoreUnknown=1";
    const auto br = run_plugin_in(host.name(), plugin_path("bridge"), bridge_call, bridge_conf.dump());
    REQUIRE_MESSAGE(br.exit_code == 0, br.out, br.err);

    const json original_mac = eth0_of(container)["address"];
    json tuning_conf = {{"cniVersion", "0.4.0"}, {"name", "wtun-podman"}, {"type", "tuning"},
                        {"dataDir", dirs.path() + "/tuning"}, {"prevResult", br.json()}};
    const auto tu = run_plugin_in(host.name(), plugin_path("tuning"), call, tuning_conf.dump());
    REQUIRE_MESSAGE(tu.exit_code == 0, tu.out, tu.err);
    const json r = tu.json();
    CHECK(r["cniVersion"] == "0.4.0");
    CHECK(r["ips"] == br.json()["ips"]);
    bool found = false;
    for (const auto& i : r["interfaces"]) {
        if (i["name"] != "eth0") continue;
        found = true;
        CHECK(i["mac"] == "02:61:0a:0b:0c:0d");
        CHECK(i["sandbox"] == container.path());
    }
    CHECK(found);
    CHECK(eth0_of(container)["address"] == "02:61:0a:0b:0c:0d");

    auto check = call;
    check.command = "CHECK";
    tuning_conf["prevResult"] = r;
    CHECK(run_plugin_in(host.name(), plugin_path("tuning"), check, tuning_conf.dump()).exit_code == 0);

    auto del = call;
    del.command = "DEL";
    CHECK(run_plugin_in(host.name(), plugin_path("tuning"), del, tuning_conf.dump()).exit_code == 0);
    CHECK(eth0_of(container)["address"] == original_mac);
    auto bridge_del = bridge_call;
    bridge_del.command = "DEL";
    CHECK(run_plugin_in(host.name(), plugin_path("bridge"), bridge_del, bridge_conf.dump()).exit_code == 0);
    CHECK(fs::is_empty(dirs.path() + "/tuning"));
}

TEST_CASE("drop-in both ways: the reference's DEL restores what Wharf's ADD saved, and Wharf's DEL the reference's") {
    REQUIRE(geteuid() == 0);
    REQUIRE_MESSAGE(fs::exists(reference_tuning), "apt-get install containernetworking-plugins");
    for (bool wharf_adds : {true, false}) {
        const std::string order = wharf_adds ? "Wharf ADD, reference DEL" : "reference ADD, Wharf DEL";
        INFO(order);
        netns_sandbox ns("wtun");
        ns.exec("ip link add eth0 type veth peer name " + unique_name("wtun"));
        temp_dir dir("wtun-chain");
        const json before = eth0_of(ns);
        // 1.0.0: the newest version the reference (Debian 12's 1.1.1) speaks.
        const json conf = {{"cniVersion", "1.0.0"}, {"name", "wtun-net"}, {"type", "tuning"}, {"dataDir", dir.path()},
                           {"mac", "02:61:00:00:00:21"}, {"mtu", 1360}, {"promisc", true}, {"allmulti", true},
                           {"prevResult", {{"cniVersion", "1.0.0"},
                                           {"interfaces", {{{"name", "eth0"}, {"sandbox", ns.path()}}}}}}};
        cni_call call{.command = "ADD", .container_id = "wtun-ctr", .netns = ns.path()};
        const auto add = run_plugin(wharf_adds ? plugin_path("tuning") : reference_tuning, call, conf.dump());
        REQUIRE_MESSAGE(add.exit_code == 0, add.out);
        CHECK(eth0_of(ns)["mtu"] == 1360);
        CHECK(fs::exists(dir.path() + "/wtun-ctr_eth0.json"));
        call.command = "DEL";
        const auto del = run_plugin(wharf_adds ? reference_tuning : plugin_path("tuning"), call, conf.dump());
        CHECK_MESSAGE(del.exit_code == 0, del.out);
        const json after = eth0_of(ns);
        CHECK(after["address"] == before["address"]);
        CHECK(after["mtu"] == before["mtu"]);
        CHECK(after["flags"] == before["flags"]);
        CHECK_FALSE(fs::exists(dir.path() + "/wtun-ctr_eth0.json"));
    }
}
