// The tuning plugin run as a runtime runs it, against a veth in a throwaway namespace: each key
// applied and read back from the kernel (ip -j, /proc/sys inside the namespace), CHECK, DEL
// restoring everything, refusals that change nothing, GC, at every version from 0.4.0 to 1.1.0.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "json/json.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"
#include "support/temp_dir.hpp"

using namespace wharf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* versions[] = {"0.4.0", "1.0.0", "1.1.0"};

// A container namespace holding eth0 (a veth whose peer stays beside it), a private dataDir, and an
// address in 10.61.0.0/16 for the prevResult.
struct tuning_env {
    bool root_checked = [] {
        REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)");
        return true;
    }();
    netns_sandbox ns{"wtun"};
    temp_dir dir{"wtun-data"};
    std::string data_dir = dir.path() + "/tuning";  // made by the plugin
    std::string container_id = unique_name("wtun");

    tuning_env() {
        int rc = -1;
        ns.exec("ip link add eth0 type veth peer name " + unique_name("wtun") + " 2>&1", &rc);
        REQUIRE(rc == 0);
    }

    json link() const {
        const json j = json::parse(ns.exec("ip -d -j link show dev eth0"));
        REQUIRE(j.size() == 1);
        return j[0];
    }
    bool has_flag(const std::string& flag) const { return link()["flags"].dump().find("\"" + flag + "\"") != std::string::npos; }
    std::string sysctl(const std::string& path) const {
        std::string v = ns.exec("cat /proc/sys/" + path);
        while (!v.empty() && v.back() == '\n') v.pop_back();
        return v;
    }
    std::string record_path() const { return data_dir + "/" + container_id + "_eth0.json"; }

    json prev(const std::string& version) const {
        return {{"cniVersion", version},
                {"interfaces", {{{"name", "eth0"}, {"mac", link()["address"]}, {"sandbox", ns.path()}}}},
                {"ips", {{{"address", "10.61." + std::to_string(getpid() % 250) + ".2/24"}, {"interface", 0}}}}};
    }
    json conf(const std::string& version, const json& keys, bool with_prev = true) const {
        json c = {{"cniVersion", version}, {"name", "wtun-net"}, {"type", "tuning"}, {"dataDir", data_dir}};
        c.merge_patch(keys);
        if (with_prev) c["prevResult"] = prev(version);
        return c;
    }
    run_result run(const std::string& command, const json& conf, const std::string& args = "",
                   const std::string& netns = "") const {
        return run_plugin(plugin_path("tuning"),
                          {.command = command, .container_id = container_id, .netns = netns.empty() ? ns.path() : netns, .args = args},
                          conf.dump());
    }
};

// What the tests change and read back.
struct observed {
    std::string mac;
    int mtu;
    int txqlen;
    bool promisc, allmulti;
    std::string arp_notify, forwarding;
    friend bool operator==(const observed&, const observed&) = default;
};

observed observe(const tuning_env& e) {
    const json l = e.link();
    return {l["address"], l["mtu"], l.value("txqlen", 0) /* ip leaves out a length of 0 */, e.has_flag("PROMISC"), e.has_flag("ALLMULTI"),
            e.sysctl("net/ipv4/conf/eth0/arp_notify"), e.sysctl("net/ipv6/conf/all/forwarding")};
}

const json all_keys = json::parse(R"({
    "mac": "02:61:AA:bb:cc:01", "mtu": 1400, "promisc": true, "allmulti": true, "txQLen": 55,
    "sysctl": {"net.ipv4.conf.IFNAME.arp_notify": "1", "net/ipv6/conf/all/forwarding": "1"}})");

}  // namespace

TEST_CASE("every key applied, CHECK passes, DEL restores all of it and removes the record, DEL again succeeds") {
    for (const char* version : versions) {
        INFO("cniVersion ", version);
        tuning_env e;
        const observed before = observe(e);
        REQUIRE(before.arp_notify == "0");
        REQUIRE_FALSE(before.promisc);
        const json conf = e.conf(version, all_keys);

        const auto add = e.run("ADD", conf);
        REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
        const json r = add.json();
        CHECK(r["cniVersion"] == version);
        CHECK(r["interfaces"][0]["mac"] == "02:61:aa:bb:cc:01");
        CHECK(r["interfaces"][0]["sandbox"] == e.ns.path());
        CHECK(r["ips"][0]["address"] == conf["prevResult"]["ips"][0]["address"]);
        CHECK(observe(e) == observed{"02:61:aa:bb:cc:01", 1400, 55, true, true, "1", "1"});
        CHECK(fs::exists(e.record_path()));

        const auto chk = e.run("CHECK", conf);
        CHECK_MESSAGE(chk.exit_code == 0, chk.out);
        CHECK(chk.out.empty());

        const auto del = e.run("DEL", conf);
        CHECK_MESSAGE(del.exit_code == 0, del.out);
        CHECK(observe(e) == before);
        CHECK_FALSE(fs::exists(e.record_path()));
        CHECK(e.run("DEL", conf).exit_code == 0);
        CHECK(observe(e) == before);
    }
}

TEST_CASE("each key alone: applied, and only it recorded and restored") {
    const json one_by_one[] = {
        {{"mac", "02:61:00:00:00:02"}}, {{"mtu", 1280}}, {{"promisc", true}}, {{"allmulti", true}},
        {{"txQLen", 0}}, {{"sysctl", {{"net.ipv4.conf.IFNAME.arp_notify", "1"}}}}};
    for (const json& keys : one_by_one) {
        INFO(keys.dump());
        tuning_env e;
        const observed before = observe(e);
        const json conf = e.conf("1.1.0", keys);
        const auto add = e.run("ADD", conf);
        REQUIRE_MESSAGE(add.exit_code == 0, add.out);
        const observed after = observe(e);
        CHECK(after != before);
        CHECK(e.run("CHECK", conf).exit_code == 0);
        json saved = json::parse(run_shell("cat " + e.record_path()));
        CHECK(saved["network"] == "wtun-net");
        CHECK(saved["containerID"] == e.container_id);
        CHECK(saved["ifname"] == "eth0");
        for (const char* k : {"network", "containerID", "ifname"}) saved.erase(k);
        REQUIRE(saved.size() == 1);
        CHECK(saved.begin().key() == keys.begin().key());
        CHECK(e.run("DEL", conf).exit_code == 0);
        CHECK(observe(e) == before);
    }
}

TEST_CASE("no keys at all (Podman's tuning): prevResult back in the config's version, nothing recorded") {
    for (const char* version : versions) {
        INFO("cniVersion ", version);
        tuning_env e;
        const observed before = observe(e);
        const json conf = e.conf(version, json::object());
        const auto add = e.run("ADD", conf, "IgnoreUnknown=1;K8S_POD_NAME=web");
        REQUIRE_MESSAGE(add.exit_code == 0, add.out);
        CHECK(add.json()["cniVersion"] == version);
        CHECK(add.json()["interfaces"] == conf["prevResult"]["interfaces"]);
        CHECK(observe(e) == before);
        CHECK_FALSE(fs::exists(e.data_dir));
        CHECK(e.run("CHECK", conf).exit_code == 0);
        CHECK(e.run("DEL", conf).exit_code == 0);
    }
}

TEST_CASE("CNI_ARGS MAC= (Podman's --mac-address) and runtimeConfig.mac; unknown CNI_ARGS refused with code 4") {
    tuning_env e;
    const observed before = observe(e);
    json conf = e.conf("0.4.0", json::object());
    const auto add = e.run("ADD", conf, "IgnoreUnknown=1;K8S_POD_NAMESPACE=x;MAC=02:61:00:00:00:0A");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out);
    CHECK(e.link()["address"] == "02:61:00:00:00:0a");
    CHECK(add.json()["interfaces"][0]["mac"] == "02:61:00:00:00:0a");
    CHECK(e.run("CHECK", conf, "IgnoreUnknown=1;MAC=02:61:00:00:00:0A").exit_code == 0);
    CHECK(e.run("DEL", conf, "IgnoreUnknown=1;MAC=02:61:00:00:00:0A").exit_code == 0);
    CHECK(observe(e) == before);

    conf["runtimeConfig"] = {{"mac", "02:61:00:00:00:0b"}};
    REQUIRE(e.run("ADD", conf, "MAC=02:61:00:00:00:0A").exit_code == 0);
    CHECK(e.link()["address"] == "02:61:00:00:00:0b");
    CHECK(e.run("DEL", conf).exit_code == 0);
    CHECK(observe(e) == before);

    const auto refused = e.run("ADD", conf, "K8S_POD_NAME=web");
    CHECK(refused.exit_code != 0);
    CHECK(refused.json()["code"] == 4);
    CHECK(refused.json()["msg"] == "CNI_ARGS: unknown args K8S_POD_NAME=web");
    CHECK(observe(e) == before);
}

TEST_CASE("bad keys: code 7 with msg and details, and nothing changed, nothing recorded") {
    const char* bad_configs[] = {
        R"({"mtu": 1400, "sysctl": {"kernel.hostname": "x"}})",
        R"({"mtu": 1400, "sysctl": {"net/../../kernel/hostname": "x"}})",
        R"({"mtu": 1400, "sysctl": {"net.ipv4.conf.IFNAME.arp_notify": "1", "net.ipv4.conf.IFNAME.arp_notify": "1"}})",
        R"({"mtu": 1400, "sysctl": {"net.": "1"}})",
        R"({"mtu": 1400, "mac": "01:00:5e:00:00:01"})",
        R"({"mtu": -3})",
        R"({"sysctl": {"net.ipv4.conf.IFNAME.arp_notify": "1"}, "promisc": "yes"})"};
    for (const char* keys : bad_configs) {
        INFO(keys);
        tuning_env e;
        const observed before = observe(e);
        // Built as text: a parsed document would lose the repeated key.
        std::string text = e.conf("1.0.0", json::object()).dump();
        text = text.substr(0, text.size() - 1) + "," + std::string(keys).substr(1);
        const auto r = run_plugin(plugin_path("tuning"),
                                  {.command = "ADD", .container_id = e.container_id, .netns = e.ns.path()}, text);
        CHECK(r.exit_code != 0);
        const json err = r.json();
        CHECK(err["code"] == 7);
        CHECK(err["msg"].get<std::string>().find("invalid") == 0);
        CHECK_FALSE(err.value("details", "").empty());
        CHECK(observe(e) == before);
        CHECK_FALSE(fs::exists(e.data_dir));
    }
}

TEST_CASE("a failure after some settings took: those are put back and the record removed") {
    tuning_env e;
    const observed before = observe(e);
    // Sysctls, MAC and promisc go first; an MTU above the veth's 65535 is refused by the kernel.
    json keys = all_keys;
    keys["mtu"] = 70000;
    const auto r = e.run("ADD", e.conf("1.1.0", keys));
    CHECK(r.exit_code != 0);
    const json err = r.json();
    CHECK(err["code"] == 7);
    CHECK(err["msg"].get<std::string>().find("set MTU 70000 on \"eth0\"") == 0);
    CHECK(err["details"].get<std::string>().find(e.ns.path()) != std::string::npos);
    CHECK(observe(e) == before);
    CHECK_FALSE(fs::exists(e.record_path()));

    // A sysctl that does not exist (after one that does): refused before anything changes.
    json missing = all_keys;
    missing["sysctl"]["net.ipv4.conf.IFNAME.no_such_thing"] = "1";
    const auto r2 = e.run("ADD", e.conf("1.1.0", missing));
    CHECK(r2.exit_code != 0);
    CHECK(r2.json()["code"] == 7);
    CHECK(observe(e) == before);
    CHECK_FALSE(fs::exists(e.record_path()));
}

TEST_CASE("CHECK reads the kernel: drift in each setting is found, MACs compare in any case, nothing is changed") {
    tuning_env e;
    json keys = all_keys;
    const json conf = e.conf("1.0.0", keys);
    REQUIRE(e.run("ADD", conf).exit_code == 0);
    REQUIRE(e.run("CHECK", conf).exit_code == 0);  // the config's MAC is in mixed case
    const observed tuned = observe(e);

    struct drift {
        const char* change;
        const char* undo;
        const char* words;
    } drifts[] = {
        {"ip link set eth0 mtu 1300", "ip link set eth0 mtu 1400", "MTU of \"eth0\""},
        {"ip link set eth0 address 02:61:00:00:00:99", "ip link set eth0 address 02:61:aa:bb:cc:01", "MAC of \"eth0\""},
        {"ip link set eth0 promisc off", "ip link set eth0 promisc on", "promiscuous mode of \"eth0\""},
        {"ip link set eth0 allmulticast off", "ip link set eth0 allmulticast on", "all-multicast mode of \"eth0\""},
        {"ip link set eth0 txqueuelen 10", "ip link set eth0 txqueuelen 55", "transmit queue length of \"eth0\""},
        {"sh -c 'echo 0 > /proc/sys/net/ipv4/conf/eth0/arp_notify'", "sh -c 'echo 1 > /proc/sys/net/ipv4/conf/eth0/arp_notify'",
         "sysctl net.ipv4.conf.IFNAME.arp_notify is \"0\""},
    };
    for (const auto& d : drifts) {
        INFO(d.change);
        e.ns.exec(d.change);
        const observed drifted = observe(e);
        const auto chk = e.run("CHECK", conf);
        CHECK(chk.exit_code != 0);
        CHECK(chk.json()["msg"].get<std::string>().find(d.words) != std::string::npos);
        CHECK(observe(e) == drifted);  // CHECK changes nothing
        e.ns.exec(d.undo);
        CHECK(observe(e) == tuned);
        CHECK(e.run("CHECK", conf).exit_code == 0);
    }
    // Promiscuous mode on while the config does not ask for it: a difference too (as the reference).
    const json plain = e.conf("1.0.0", json::object());
    CHECK(e.run("CHECK", plain).exit_code != 0);
    CHECK(e.run("DEL", conf).exit_code == 0);
}

TEST_CASE("CHECK and ADD need prevResult; CHECK needs 0.4.0") {
    tuning_env e;
    const auto add = e.run("ADD", e.conf("1.0.0", all_keys, false));
    CHECK(add.json()["code"] == 7);
    CHECK(add.json()["msg"] == "tuning must be chained: prevResult is missing");
    CHECK(e.run("CHECK", e.conf("1.0.0", all_keys, false)).json()["code"] == 7);
    CHECK(e.run("CHECK", e.conf("0.3.1", all_keys)).json()["code"] == 1);
    CHECK_FALSE(fs::exists(e.data_dir));
}

TEST_CASE("DEL without a record, without a namespace, after the namespace is gone: success; the record goes") {
    tuning_env e;
    const json conf = e.conf("1.1.0", all_keys);
    CHECK(e.run("DEL", conf).exit_code == 0);  // nothing was ever added
    REQUIRE(e.run("ADD", conf).exit_code == 0);
    const auto no_ns = run_plugin(plugin_path("tuning"), {.command = "DEL", .container_id = e.container_id}, conf.dump());
    CHECK_MESSAGE(no_ns.exit_code == 0, no_ns.out);
    CHECK_FALSE(fs::exists(e.record_path()));

    std::string gone_path;
    tuning_env other;
    {
        netns_sandbox gone("wtun");
        gone_path = gone.path();
        gone.exec("ip link add eth0 type veth peer name " + unique_name("wtun"));
        REQUIRE(other.run("ADD", other.conf("1.1.0", {{"mtu", 1300}}), "", gone_path).exit_code == 0);
        REQUIRE(fs::exists(other.record_path()));
    }
    const auto del = other.run("DEL", other.conf("1.1.0", {{"mtu", 1300}}), "", gone_path);
    CHECK_MESSAGE(del.exit_code == 0, del.out);
    CHECK_FALSE(fs::exists(other.record_path()));
}

TEST_CASE("STATUS succeeds; GC removes this network's records of attachments not valid any more, and only those") {
    tuning_env e;
    const json conf = e.conf("1.1.0", {{"mtu", 1300}});
    REQUIRE(e.run("ADD", conf).exit_code == 0);
    fs::path dir(e.data_dir);
    const auto write = [&](const std::string& name, const std::string& text) {
        std::FILE* f = std::fopen((dir / name).c_str(), "w");
        REQUIRE(f);
        std::fputs(text.c_str(), f);
        std::fclose(f);
    };
    write("stale_eth0.json", R"({"mtu":1500,"network":"wtun-net","containerID":"stale","ifname":"eth0"})");
    write("othernet_eth0.json", R"({"mtu":1500,"network":"another","containerID":"othernet","ifname":"eth0"})");
    write("reference_eth0.json", R"({"mtu":1500})");

    const json base = {{"cniVersion", "1.1.0"}, {"name", "wtun-net"}, {"type", "tuning"}, {"dataDir", e.data_dir}};
    const cni_call no_attachment{.set_container_id = false, .set_ifname = false};
    cni_call status = no_attachment;
    status.command = "STATUS";
    CHECK(run_plugin(plugin_path("tuning"), status, base.dump()).exit_code == 0);

    json gc = base;
    gc["cni.dev/valid-attachments"] = {{{"containerID", e.container_id}, {"ifname", "eth0"}}};
    cni_call gc_call = no_attachment;
    gc_call.command = "GC";
    const auto r = run_plugin(plugin_path("tuning"), gc_call, gc.dump());
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    CHECK(fs::exists(e.record_path()));
    CHECK_FALSE(fs::exists(dir / "stale_eth0.json"));
    CHECK(fs::exists(dir / "othernet_eth0.json"));
    CHECK(fs::exists(dir / "reference_eth0.json"));
    CHECK(e.run("DEL", conf).exit_code == 0);
    CHECK(e.link()["mtu"] == 1500);
}
