// host-local run as a runtime runs it: dual stack, requested addresses, exhaustion and STATUS, idempotent
// ADD, DEL twice, CHECK, GC, and sharing a store with the reference plugin in both directions.
#include "host_local_fixture.hpp"

#include <unistd.h>

using namespace wharf::test;
using namespace wharf::test::hl;
using nlohmann::json;

namespace {
json dual_stack() { return json::parse(R"([[{"subnet": "10.42.0.0/24"}], [{"subnet": "fd42::/64"}]])"); }
json tiny() { return json::parse(R"([[{"subnet": "10.43.0.0/30"}]])"); }  // one address: .2
std::string ok_or_dump(const run_result& r) { return "exit " + std::to_string(r.exit_code) + " out " + r.out + " err " + r.err; }
}  // namespace

TEST_CASE("dual-stack ADD reserves one address per range set; CHECK passes; DEL releases both") {
    store_fixture f(dual_stack());
    auto add = f.run("ADD", "ctr1");
    INFO(ok_or_dump(add));
    REQUIRE(add.exit_code == 0);
    auto j = add.json();
    REQUIRE(j["ips"].size() == 2);
    CHECK(j["ips"][0]["address"] == "10.42.0.2/24");
    CHECK(j["ips"][0]["gateway"] == "10.42.0.1");
    CHECK(j["ips"][1]["address"] == "fd42::2/64");
    CHECK(j["ips"][1]["gateway"] == "fd42::1");
    CHECK(f.reserved() == std::vector<std::string>{"10.42.0.2", "fd42::2"});
    CHECK(f.content("10.42.0.2") == "ctr1\r\neth0");
    CHECK(f.content("last_reserved_ip.0") == "10.42.0.2");
    CHECK(f.content("last_reserved_ip.1") == "fd42::2");

    auto check = f.run("CHECK", "ctr1", "eth0", {{"prevResult", j}});
    CHECK_MESSAGE(check.exit_code == 0, ok_or_dump(check));

    auto second = f.run("ADD", "ctr2");
    CHECK(addresses(second) == std::vector<std::string>{"10.42.0.3", "fd42::3"});

    auto del = f.run("DEL", "ctr1");
    CHECK_MESSAGE(del.exit_code == 0, ok_or_dump(del));
    CHECK(f.reserved() == std::vector<std::string>{"10.42.0.3", "fd42::3"});
}

TEST_CASE("legacy keys, routes and resolvConf reach the result") {
    store_fixture f(json::array());
    const std::string resolv = f.data_dir + "/resolv.conf";
    {
        std::ofstream r(resolv);
        r << "nameserver 10.0.0.53\nsearch svc.local\noptions ndots:5\n";
    }
    json conf = f.conf_json();
    conf["ipam"].erase("ranges");
    conf["ipam"]["subnet"] = "10.44.0.0/24";
    conf["ipam"]["rangeStart"] = "10.44.0.100";
    conf["ipam"]["routes"] = json::parse(R"([{"dst": "0.0.0.0/0"}, {"dst": "192.168.0.0/16", "gw": "10.44.0.254"}])");
    conf["ipam"]["resolvConf"] = resolv;
    auto add = run_plugin(plugin_path("host-local"), f.call("ADD", "ctr1"), conf.dump());
    INFO(ok_or_dump(add));
    REQUIRE(add.exit_code == 0);
    auto j = add.json();
    CHECK(j["ips"][0]["address"] == "10.44.0.100/24");
    CHECK(j["routes"].size() == 2);
    CHECK(j["routes"][1]["gw"] == "10.44.0.254");
    CHECK(j["dns"]["nameservers"] == json::array({"10.0.0.53"}));
    CHECK(j["dns"]["search"] == json::array({"svc.local"}));
}

TEST_CASE("a config error is code 7 naming the key and value, and reserves nothing") {
    store_fixture f(json::parse(R"([[{"subnet": "10.45.0.1/24"}]])"));
    auto add = f.run("ADD", "ctr1");
    CHECK(add.exit_code != 0);
    CHECK(error_code(add) == 7);
    CHECK(error_msg(add).find("ipam.ranges[0][0].subnet") != std::string::npos);
    CHECK(error_msg(add).find("10.45.0.1/24") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.dir()));

    store_fixture bad_name(dual_stack());
    json conf = bad_name.conf_json();
    conf["name"] = "../../etc";
    auto r = run_plugin(plugin_path("host-local"), bad_name.call("ADD", "ctr1"), conf.dump());
    CHECK(error_code(r) == 7);
    CHECK(error_msg(r).find("../../etc") != std::string::npos);
}

TEST_CASE("requested addresses: CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips") {
    store_fixture f(dual_stack());
    auto a = f.run("ADD", "ctr-args", "eth0", json::object(), "IgnoreUnknown=1;IP=10.42.0.50,fd42::50");
    INFO(ok_or_dump(a));
    CHECK(addresses(a) == std::vector<std::string>{"10.42.0.50", "fd42::50"});
    auto b = f.run("ADD", "ctr-cni", "eth0", {{"args", {{"cni", {{"ips", {"10.42.0.51"}}}}}}});
    CHECK(addresses(b) == std::vector<std::string>{"10.42.0.51", "fd42::51"});  // v6 continues round robin
    auto c = f.run("ADD", "ctr-rt", "eth0", {{"runtimeConfig", {{"ips", {"fd42::99/64"}}}}});
    CHECK(addresses(c) == std::vector<std::string>{"10.42.0.52", "fd42::99"});

    // A request that cannot be met fails and leaves nothing reserved, in either set.
    const auto before = f.reserved();
    auto taken = f.run("ADD", "ctr-x", "eth0", json::object(), "IP=10.42.0.50");
    CHECK(taken.exit_code != 0);
    CHECK(error_msg(taken).find("10.42.0.50") != std::string::npos);
    CHECK(error_msg(taken).find("ctr-args") != std::string::npos);
    auto outside = f.run("ADD", "ctr-x", "eth0", json::object(), "IP=10.99.0.5");
    CHECK(error_code(outside) == 7);
    auto gateway = f.run("ADD", "ctr-x", "eth0", json::object(), "IP=10.42.0.1");
    CHECK(error_msg(gateway).find("gateway") != std::string::npos);
    auto two = f.run("ADD", "ctr-x", "eth0", json::object(), "IP=10.42.0.60,10.42.0.61");
    CHECK(two.exit_code != 0);
    CHECK(f.reserved() == before);
    const auto indexes = f.hidden();
    CHECK(std::count_if(indexes.begin(), indexes.end(),
                        [](const std::string& n) { return n.find("ctr-x") != std::string::npos; }) == 0);
}

TEST_CASE("ADD is idempotent per (container, ifname); another ifname is another attachment") {
    store_fixture f(dual_stack());
    auto first = f.run("ADD", "ctr1");
    auto again = f.run("ADD", "ctr1");
    CHECK(again.exit_code == 0);
    CHECK(addresses(again) == addresses(first));
    CHECK(f.reserved().size() == 2);
    // The same request with the address it already holds is satisfied; a different one is refused.
    auto same = f.run("ADD", "ctr1", "eth0", json::object(), "IP=" + addresses(first)[0]);
    CHECK(addresses(same) == addresses(first));
    auto other = f.run("ADD", "ctr1", "eth0", json::object(), "IP=10.42.0.77");
    CHECK(other.exit_code != 0);
    CHECK(error_msg(other).find("already holds") != std::string::npos);
    auto eth1 = f.run("ADD", "ctr1", "eth1");
    CHECK(addresses(eth1) == std::vector<std::string>{"10.42.0.3", "fd42::3"});
    CHECK(f.reserved().size() == 4);
    CHECK(f.run("DEL", "ctr1", "eth1").exit_code == 0);
    CHECK(f.reserved() == std::vector<std::string>{"10.42.0.2", "fd42::2"});  // eth0 keeps its addresses
}

TEST_CASE("DEL twice succeeds; DEL ignores IP= so another holder keeps its address") {
    store_fixture f(dual_stack());
    auto a = f.run("ADD", "ctr-a", "eth0", json::object(), "IP=10.42.0.10");
    REQUIRE(a.exit_code == 0);
    // Podman: ADD for ctr-b with the same IP= fails, then DEL for ctr-b repeats IP=.
    auto b = f.run("ADD", "ctr-b", "eth0", json::object(), "IP=10.42.0.10");
    CHECK(b.exit_code != 0);
    auto del_b = f.run("DEL", "ctr-b", "eth0", json::object(), "IP=10.42.0.10");
    CHECK(del_b.exit_code == 0);
    CHECK(f.content("10.42.0.10") == "ctr-a\r\neth0");
    CHECK(f.run("DEL", "ctr-a").exit_code == 0);
    auto again = f.run("DEL", "ctr-a");
    CHECK_MESSAGE(again.exit_code == 0, ok_or_dump(again));
    CHECK(f.reserved().empty());
    CHECK(f.hidden().empty());
    CHECK(f.run("DEL", "never-added").exit_code == 0);
}

TEST_CASE("CHECK verifies the very addresses in prevResult") {
    store_fixture f(dual_stack());
    auto a = f.run("ADD", "ctr-a");
    auto b = f.run("ADD", "ctr-b");
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    CHECK(f.run("CHECK", "ctr-a", "eth0", {{"prevResult", a.json()}}).exit_code == 0);

    auto wrong = a.json();
    wrong["ips"][0]["address"] = b.json()["ips"][0]["address"];  // ctr-b's address
    auto r1 = f.run("CHECK", "ctr-a", "eth0", {{"prevResult", wrong}});
    CHECK(r1.exit_code != 0);
    CHECK(error_msg(r1).find(addresses(b)[0]) != std::string::npos);
    CHECK(error_msg(r1).find("ctr-b") != std::string::npos);

    wrong["ips"][0]["address"] = "10.42.0.200/24";  // free
    auto r2 = f.run("CHECK", "ctr-a", "eth0", {{"prevResult", wrong}});
    CHECK(r2.exit_code != 0);
    CHECK(error_msg(r2).find("10.42.0.200") != std::string::npos);

    auto r3 = f.run("CHECK", "ctr-a", "eth1", {{"prevResult", a.json()}});  // right container, wrong ifname
    CHECK(r3.exit_code != 0);
    auto r4 = f.run("CHECK", "ctr-none");
    CHECK(error_code(r4) == 3);
}

TEST_CASE("exhaustion names the range set and its size; STATUS reports code 50 until freed") {
    store_fixture f(tiny());
    CHECK(f.run("STATUS", "").exit_code == 0);
    auto a = f.run("ADD", "ctr-a");
    REQUIRE(addresses(a) == std::vector<std::string>{"10.43.0.2"});
    auto b = f.run("ADD", "ctr-b");
    CHECK(b.exit_code != 0);
    CHECK(error_msg(b).find("range set 0") != std::string::npos);
    CHECK(error_msg(b).find("10.43.0.0/30") != std::string::npos);
    CHECK(error_msg(b).find("all 1 addresses") != std::string::npos);
    CHECK(f.hidden().size() == 1);  // only ctr-a's index: the failed ADD left nothing
    CHECK(f.owner_records() == std::vector<std::string>{".wharf-own.ctr-a@eth0"});
    auto status = f.run("STATUS", "");
    CHECK(status.exit_code != 0);
    CHECK(error_code(status) == 50);
    CHECK(error_msg(status).find("range set 0") != std::string::npos);
    CHECK(f.run("DEL", "ctr-a").exit_code == 0);
    CHECK(f.run("STATUS", "").exit_code == 0);
    CHECK(addresses(f.run("ADD", "ctr-b")) == std::vector<std::string>{"10.43.0.2"});
}

TEST_CASE("GC releases every attachment not in valid-attachments, legacy files included") {
    store_fixture f(dual_stack());
    REQUIRE(f.run("ADD", "keep").exit_code == 0);
    REQUIRE(f.run("ADD", "keep", "eth1").exit_code == 0);
    REQUIRE(f.run("ADD", "gone").exit_code == 0);
    f.put("10.42.0.100", "legacy-keep");
    f.put("10.42.0.101", "legacy-gone");
    json valid = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}},
                              {{"containerID", "legacy-keep"}, {"ifname", "eth0"}}});
    auto gc = f.run("GC", "", "", {{"cni.dev/valid-attachments", valid}});
    INFO(ok_or_dump(gc));
    CHECK(gc.exit_code == 0);
    CHECK(f.reserved() == std::vector<std::string>{"10.42.0.100", "10.42.0.2", "fd42::2"});
    CHECK(f.exists("lock"));
    CHECK(f.exists("last_reserved_ip.0"));
    CHECK(f.exists("last_reserved_ip.1"));
    // The index agrees: DEL of the survivors empties the store.
    CHECK(f.run("DEL", "keep").exit_code == 0);
    CHECK(f.run("DEL", "legacy-keep").exit_code == 0);
    CHECK(f.reserved().empty());
    CHECK(f.hidden().empty());
}

TEST_CASE("the reference plugin and ours share a store in both directions") {
    INFO("the reference plugin must be installed at ", reference_plugin);
    REQUIRE(::access(reference_plugin.c_str(), X_OK) == 0);
    store_fixture f(dual_stack());
    f.version = "1.0.0";  // the reference (1.1.1) speaks up to 1.0.0

    // Reserved by the reference, read and released by ours.
    auto ref = f.run("ADD", "ref-ctr", "eth0", json::object(), {}, reference_plugin);
    INFO(ok_or_dump(ref));
    REQUIRE(ref.exit_code == 0);
    const auto ref_ips = addresses(ref);
    REQUIRE(ref_ips.size() == 2);
    CHECK(f.run("CHECK", "ref-ctr", "eth0", {{"prevResult", ref.json()}}).exit_code == 0);
    auto ours = f.run("ADD", "our-ctr");
    REQUIRE(ours.exit_code == 0);
    const auto our_ips = addresses(ours);
    CHECK(our_ips[0] != ref_ips[0]);
    CHECK(our_ips[1] != ref_ips[1]);
    CHECK(f.run("DEL", "ref-ctr").exit_code == 0);
    CHECK_FALSE(f.exists(ref_ips[0]));
    CHECK_FALSE(f.exists(ref_ips[1]));

    // Reserved by ours, seen and released by the reference.
    auto ref2 = f.run("ADD", "ref-ctr2", "eth0", json::object(), {}, reference_plugin);
    REQUIRE(ref2.exit_code == 0);
    CHECK(addresses(ref2)[0] != our_ips[0]);
    auto ref_check = f.run("CHECK", "our-ctr", "eth0", {{"prevResult", ours.json()}}, {}, reference_plugin);
    CHECK_MESSAGE(ref_check.exit_code == 0, ok_or_dump(ref_check));
    auto ref_del = f.run("DEL", "our-ctr", "eth0", json::object(), {}, reference_plugin);
    CHECK(ref_del.exit_code == 0);
    CHECK_FALSE(f.exists(our_ips[0]));
    CHECK_FALSE(f.exists(our_ips[1]));
    // Ours still releases what the reference reserved after ours last ran, and ends consistent.
    CHECK(f.run("DEL", "ref-ctr2").exit_code == 0);
    CHECK(f.reserved().empty());
    auto gc = f.run("GC", "", "", {{"cniVersion", "1.1.0"}, {"cni.dev/valid-attachments", json::array()}});
    CHECK(gc.exit_code == 0);
    CHECK(f.hidden().empty());

    // Old versions wrote only the container ID: both plugins honour it.
    f.put("10.42.0.200", "old-ctr");
    f.put("last_reserved_ip.0", "10.42.0.200");
    CHECK(f.run("DEL", "old-ctr").exit_code == 0);
    CHECK_FALSE(f.exists("10.42.0.200"));
}
