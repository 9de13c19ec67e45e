// The bridge plugin, run as a separate process inside a sandbox namespace standing for the host:
// ADD, CHECK, DEL against the kernel's real state, real traffic, rollback and DEL without a namespace.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <string>

#include "json/json.hpp"
#include "support/bridge_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

json ip_json(const std::string& ns, const std::string& args) {
    auto out = run_shell("ip -n " + ns + " -j " + args + " 2>/dev/null");
    auto j = json::parse(out, nullptr, false);
    return j.is_discarded() ? json::array() : j;
}

bool has_address(const std::string& ns, const std::string& dev, const std::string& cidr) {
    for (const auto& link : ip_json(ns, "addr show dev " + dev))
        for (const auto& a : link["addr_info"])
            if (a["local"].get<std::string>() + "/" + std::to_string(a["prefixlen"].get<int>()) == cidr) return true;
    return false;
}

int veth_count(const bridge_world& w) { return static_cast<int>(ip_json(w.host.name(), "link show type veth").size()); }

// An IPAM plugin `fake-ipam` put first on the world's CNI_PATH: ADD prints a result with .7 of subnet4
// (and `routes`, a JSON array) and exits `add_exit`; every other command exits `other_exit` with an
// error object when not 0.
void use_fake_ipam(bridge_world& w, int add_exit, int other_exit, const std::string& routes = "[]") {
    std::string dir = w.data_dir + "/fake-ipam";
    std::filesystem::create_directories(dir);
    const std::string net = w.subnet4.substr(0, w.subnet4.rfind(".0/24") + 1);  // "10.x.y."
    std::ofstream(dir + "/fake-ipam")
        << "#!/bin/sh\ncat >/dev/null\n"
        << "if [ \"$CNI_COMMAND\" != ADD ]; then\n"
        << "  [ " << other_exit << " = 0 ] || echo '{\"cniVersion\":\"1.1.0\",\"code\":11,\"msg\":\"fake IPAM refuses\"}'\n"
        << "  exit " << other_exit << "\nfi\n"
        << "echo '{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"" << net << "7/24\",\"gateway\":\"" << net
        << "1\"}],\"routes\":" << routes << "}'\nexit " << add_exit << "\n";
    std::filesystem::permissions(dir + "/fake-ipam", std::filesystem::perms::owner_all);
    w.cni_path = dir + ":" + w.cni_path;
}

}  // namespace

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("ADD, CHECK, DEL, DEL on a dual-stack network; kernel state and the result agree") {
    bridge_world w;
    const auto& c = w.container();
    json conf = w.conf("dual", true);
    conf["isDefaultGateway"] = true;
    conf["mtu"] = 1400;
    conf["dns"] = {{"nameservers", {"10.0.0.53"}}};

    auto add = w.run("ADD", conf, c.path(), "ctr1");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    json r = add.json();
    REQUIRE(r["interfaces"].size() == 3);
    CHECK(r["interfaces"][0]["name"] == w.bridge);
    std::string host_veth = r["interfaces"][1]["name"];
    CHECK(host_veth.rfind("veth", 0) == 0);
    CHECK(r["interfaces"][2]["name"] == "eth0");
    CHECK(r["interfaces"][2]["sandbox"] == c.path());
    CHECK(r["interfaces"][2]["mtu"] == 1400);
    REQUIRE(r["ips"].size() == 2);
    CHECK(r["ips"][0]["interface"] == 2);
    CHECK(r["dns"]["nameservers"][0] == "10.0.0.53");

    // The bridge: up, with the gateway addresses; the host veth: its port, up.
    auto br = ip_json(w.host.name(), "-d link show dev " + w.bridge);
    REQUIRE(br.size() == 1);
    CHECK(br[0]["linkinfo"]["info_kind"] == "bridge");
    CHECK(br[0]["address"] == r["interfaces"][0]["mac"]);
    CHECK(br[0]["operstate"] == "UP");
    const std::string gw4 = r["ips"][0]["gateway"], gw6 = r["ips"][1]["gateway"];
    CHECK(has_address(w.host.name(), w.bridge, gw4 + "/24"));
    CHECK(has_address(w.host.name(), w.bridge, gw6 + "/64"));
    auto hv = ip_json(w.host.name(), "-d link show dev " + host_veth);
    REQUIRE(hv.size() == 1);
    CHECK(hv[0]["master"] == w.bridge);
    CHECK(hv[0]["address"] == r["interfaces"][1]["mac"]);
    CHECK(hv[0]["mtu"] == 1400);
    CHECK(hv[0]["flags"].dump().find("\"UP\"") != std::string::npos);
    // Its alias is the owner tag, then network, container and interface; the port flags are off.
    const std::string alias = hv[0].value("ifalias", "");
    CHECK(alias.rfind("wharf:", 0) == 0);
    CHECK(alias.substr(alias.find(' ')) == " dual ctr1/eth0");
    CHECK(hv[0]["linkinfo"]["info_slave_kind"] == "bridge");
    CHECK(hv[0]["linkinfo"]["info_slave_data"]["hairpin"] == false);
    CHECK(hv[0]["linkinfo"]["info_slave_data"]["isolated"] == false);
    CHECK(w.in_host("sysctl -n net.ipv4.ip_forward") == "1\n");
    CHECK(w.in_host("sysctl -n net.ipv6.conf.all.forwarding") == "1\n");
    CHECK(w.in_host("sysctl -n net.ipv6.conf." + w.bridge + ".accept_ra") == "0\n");

    // The container side: MAC, MTU, addresses, arp_notify, routes.
    auto eth0 = ip_json(c.name(), "link show dev eth0");
    REQUIRE(eth0.size() == 1);
    CHECK(eth0[0]["address"] == r["interfaces"][2]["mac"]);
    CHECK(eth0[0]["mtu"] == 1400);
    CHECK(eth0[0]["operstate"] == "UP");
    CHECK(has_address(c.name(), "eth0", r["ips"][0]["address"]));
    CHECK(has_address(c.name(), "eth0", r["ips"][1]["address"]));
    CHECK(c.exec("sysctl -n net.ipv4.conf.eth0.arp_notify") == "1\n");
    CHECK(in_netns(c, "ip -6 addr show dev eth0 | grep -c 'scope global nodad'") == "1\n");
    CHECK(c.exec("ip route show default") .find("via " + gw4) != std::string::npos);
    CHECK(c.exec("ip -6 route show default").find("via " + gw6) != std::string::npos);

    auto chk = w.run("CHECK", with_prev(conf, r), c.path(), "ctr1");
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);

    // CHECK notices a change behind its back.
    c.exec("ip route del default");
    auto bad = w.run("CHECK", with_prev(conf, r), c.path(), "ctr1");
    CHECK(bad.exit_code != 0);
    CHECK(bad.json()["msg"].get<std::string>().find("route") != std::string::npos);

    auto del = w.run("DEL", conf, c.path(), "ctr1");
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(veth_count(w) == 0);
    CHECK(ip_json(c.name(), "link show dev eth0").empty());
    CHECK(w.reservations("dual").empty());
    auto again = w.run("DEL", conf, c.path(), "ctr1");
    CHECK_MESSAGE(again.exit_code == 0, again.out, again.err);
}

TEST_CASE("two containers ping each other over the bridge, IPv4 and IPv6") {
    bridge_world w;
    const auto& a = w.container();
    const auto& b = w.container();
    json conf = w.conf("ping", true);
    auto ra = w.run("ADD", conf, a.path(), "a");
    auto rb = w.run("ADD", conf, b.path(), "b");
    REQUIRE_MESSAGE(ra.exit_code == 0, ra.out, ra.err);
    REQUIRE_MESSAGE(rb.exit_code == 0, rb.out, rb.err);
    int rc = -1;
    a.exec("ping -c1 -W2 " + ip_of(rb.json()) + " >/dev/null", &rc);
    CHECK(rc == 0);
    b.exec("ping -6 -c1 -W2 " + ip_of(ra.json(), true) + " >/dev/null", &rc);
    CHECK(rc == 0);
    CHECK(w.run("DEL", conf, a.path(), "a").exit_code == 0);
    CHECK(w.run("DEL", conf, b.path(), "b").exit_code == 0);
}

// "masq-10.1.2.0_24": the masquerade chain of a subnet (by default the world's).
std::string masq_chain(const bridge_world& w, std::string subnet = {}) {
    std::string name = "masq-" + (subnet.empty() ? w.subnet4 : subnet);
    name[name.rfind('/')] = '_';
    return name;
}

TEST_CASE("ipMasq: the outside world sees the host's address; the last DEL removes the subnet's masquerade") {
    bridge_world w;
    const auto& c = w.container();
    const auto& out = w.outside();
    json conf = w.conf("masq");
    conf["isDefaultGateway"] = true;
    conf["ipMasq"] = true;
    conf["ipMasqBackend"] = "iptables";  // accepted; Wharf always uses nftables
    auto add = w.run("ADD", conf, c.path(), "m1");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(w.ruleset().find(masq_chain(w)) != std::string::npos);

    // A listener outside prints the peer address it sees.
    out.ns->exec("timeout 10 socat TCP-LISTEN:7777,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &");
    std::string seen = c.exec("timeout 8 socat -T3 - TCP:" + out.outside_ip + ":7777,retry=50,interval=0.1 </dev/null 2>&1");
    CHECK(seen == out.host_ip + "\n");

    auto chk = w.run("CHECK", with_prev(conf, add.json()), c.path(), "m1");
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);

    auto del = w.run("DEL", conf, c.path(), "m1");
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(w.ruleset().find(masq_chain(w)) == std::string::npos);
    CHECK(w.ruleset().find(w.subnet4.substr(0, w.subnet4.find('/'))) == std::string::npos);
}

TEST_CASE("a failure after IPAM leaves no veth, address, rule or reservation behind") {
    bridge_world w;
    const auto& c = w.container();
    json conf = w.conf("fail", true);
    conf["ipMasq"] = true;

    SUBCASE("CNI_IFNAME already exists in the container") {
        c.exec("ip link add eth0 type bridge");  // this kernel has no dummy driver
        auto add = w.run("ADD", conf, c.path(), "f1");
        CHECK(add.exit_code != 0);
        CHECK(add.json()["msg"].get<std::string>().find("already exists") != std::string::npos);
        CHECK(ip_json(c.name(), "-d link show dev eth0")[0]["linkinfo"]["info_kind"] == "bridge");
    }
    SUBCASE("the bridge has another gateway address and forceAddress is off") {
        w.in_host("ip link add " + w.bridge + " type bridge && ip addr add 192.0.2.1/24 dev " + w.bridge);
        auto add = w.run("ADD", conf, c.path(), "f1");
        CHECK(add.exit_code != 0);
        CHECK(add.json()["msg"].get<std::string>().find("already has address") != std::string::npos);
        CHECK(has_address(w.host.name(), w.bridge, "192.0.2.1/24"));

        // With forceAddress the stale address is replaced.
        conf["forceAddress"] = true;
        auto ok = w.run("ADD", conf, c.path(), "f1");
        REQUIRE_MESSAGE(ok.exit_code == 0, ok.out, ok.err);
        CHECK_FALSE(has_address(w.host.name(), w.bridge, "192.0.2.1/24"));
        CHECK(w.run("DEL", conf, c.path(), "f1").exit_code == 0);
    }
    SUBCASE("a route from IPAM cannot be added: the error names the interface and its namespace") {
        use_fake_ipam(w, 0, 0, R"([{"dst":"192.0.2.0/24","gw":"198.51.100.1"}])");
        conf["ipam"] = {{"type", "fake-ipam"}};
        auto add = w.run("ADD", conf, c.path(), "f1");
        CHECK(add.exit_code != 0);
        const std::string msg = add.json()["msg"];
        CHECK_MESSAGE(msg.find("configure \"eth0\" in " + c.path() + ": add route 192.0.2.0/24 via 198.51.100.1") == 0,
                      add.out);
        CHECK_MESSAGE(msg.find("Network is unreachable") != std::string::npos, add.out);
    }
    SUBCASE("IPAM prints a result, then exits non-zero: the bridge has used the result by then") {
        // The exit status is collected last (pending_ipam::confirm), after the container, the gateway
        // and the nftables entries are made from the result; all of it must be undone.
        use_fake_ipam(w, 3, 0);
        conf["ipam"] = {{"type", "fake-ipam"}};
        auto add = w.run("ADD", conf, c.path(), "f1");
        CHECK(add.exit_code != 0);
        CHECK_MESSAGE(add.json()["msg"].get<std::string>().find("failed with exit code 3") != std::string::npos, add.out);
    }
    CHECK(veth_count(w) == 0);
    CHECK(w.reservations("fail").empty());
    CHECK(w.ruleset().find("comment \"wharf:") == std::string::npos);
    // The network's masquerade, made by this (its first) ADD, and the record of its use went too.
    CHECK(w.ruleset().find("masq-") == std::string::npos);
    CHECK(run_shell("find \"$WHARF_RUN_DIR\" -path '*/attachments/*' -o -path '*/users/*' | wc -l") == "0\n");
    // Nor the sysctls the gateway made it record (the rollback drops that record too).
    CHECK(run_shell("find \"$WHARF_RUN_DIR\" -path '*/sysctls/*' -type f | wc -l") == "0\n");
    CHECK(ip_json(c.name(), "addr show dev eth0").dump().find("10.") == std::string::npos);
}

TEST_CASE("DEL without a namespace, or with a stale one, still cleans up; DEL twice succeeds") {
    bridge_world w;
    json conf = w.conf("nons", true);
    conf["ipMasq"] = true;
    const auto& c = w.container();
    auto add = w.run("ADD", conf, c.path(), "n1");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    std::string host_veth = add.json()["interfaces"][1]["name"];

    SUBCASE("empty CNI_NETNS") {
        auto del = w.run("DEL", conf, "", "n1");
        CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    }
    SUBCASE("CNI_NETNS that no longer exists") {
        auto del = w.run("DEL", conf, "/run/netns/wharf-gone-" + std::to_string(getpid()), "n1");
        CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    }
    CHECK(ip_json(w.host.name(), "link show dev " + host_veth).empty());
    CHECK(ip_json(c.name(), "link show dev eth0").empty());
    CHECK(w.reservations("nons").empty());
    CHECK(w.ruleset().find("comment \"wharf:") == std::string::npos);
    CHECK(w.run("DEL", conf, "", "n1").exit_code == 0);
}

TEST_CASE("the reference host-local works as the delegate too (cniVersion 1.0.0)") {
    bridge_world w;
    w.cni_path = "/usr/lib/cni";
    const auto& c = w.container();
    json conf = w.conf("refipam", true, "1.0.0");
    auto add = w.run("ADD", conf, c.path(), "r1");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(add.json()["ips"].size() == 2);
    CHECK(w.run("CHECK", with_prev(conf, add.json()), c.path(), "r1").exit_code == 0);
    CHECK(w.run("DEL", conf, c.path(), "r1").exit_code == 0);
    CHECK(w.reservations("refipam").empty());
}

TEST_CASE("a lost attachment's late DEL does not take the network's masquerade from the container reusing its address") {
    bridge_world w;
    json conf = w.conf("reuse");
    conf["ipMasq"] = true;
    std::string base = w.subnet4.substr(0, w.subnet4.rfind('.') + 1);
    conf["ipam"]["ranges"] = json::array({json::array({{{"subnet", base + "0/30"}}})});  // one usable address
    const auto& old_ns = w.container();
    auto old_add = w.run("ADD", conf, old_ns.path(), "old");
    REQUIRE_MESSAGE(old_add.exit_code == 0, old_add.out, old_add.err);
    // The runtime lost the container: its namespace and reservation are gone, its DEL never ran.
    w.in_host("ip link del " + old_add.json()["interfaces"][1]["name"].get<std::string>());
    run_shell("rm -f " + w.data_dir + "/reuse/" + ip_of(old_add.json()));

    const auto& c = w.container();
    auto add = w.run("ADD", conf, c.path(), "new");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(ip_of(add.json()) == ip_of(old_add.json()));
    CHECK(w.run("CHECK", with_prev(conf, add.json()), c.path(), "new").exit_code == 0);
    // The old attachment's DEL, arriving late, must not take what the new one relies on.
    const std::string chain = masq_chain(w, base + "0/30");
    CHECK(w.run("DEL", conf, "", "old").exit_code == 0);
    CHECK(w.ruleset().find(chain) != std::string::npos);
    CHECK(w.run("CHECK", with_prev(conf, add.json()), c.path(), "new").exit_code == 0);
    CHECK(w.run("DEL", conf, c.path(), "new").exit_code == 0);
    CHECK(w.ruleset().find(chain) == std::string::npos);
}

TEST_CASE("DEL whose IPAM release fails still removes the veth pair and rules, and reports the failure") {
    // IPAM DEL runs in a thread beside the veth removal: its error must reach the answer.
    bridge_world w;
    json conf = w.conf("ipamfail");
    conf["ipMasq"] = true;
    conf["ipam"] = {{"type", "fake-ipam"}};
    use_fake_ipam(w, 0, 5);
    const auto& c = w.container();
    auto add = w.run("ADD", conf, c.path(), "d1");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    auto del = w.run("DEL", conf, c.path(), "d1");
    CHECK(del.exit_code != 0);
    CHECK_MESSAGE(del.json()["details"].get<std::string>().find("release the IPAM reservation") != std::string::npos,
                  del.out);
    CHECK_MESSAGE(del.json()["details"].get<std::string>().find("fake IPAM refuses") != std::string::npos, del.out);
    CHECK(veth_count(w) == 0);
    CHECK(w.ruleset().find("comment \"wharf:") == std::string::npos);
}
