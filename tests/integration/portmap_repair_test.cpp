// GC repairs what the valid attachments rely on when nftables lost it: after `nft flush ruleset`, after
// deleting only portmap's table, after deleting one map element, a GC of the network (bridge, then
// portmap, as a runtime runs the chain's GC) makes the published port and the egress masquerade work
// again with no ADD, from the plugins' records. GC also drops the records of the attachments that are
// no longer valid. With wharfd running in the host, the same repairs happen by themselves.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "json/json.hpp"
#include "support/background_process.hpp"
#include "support/portmap_world.hpp"
#include "support/temp_dir.hpp"
#include "support/watch.hpp"
#include "support/wharfd_process.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

json gc_conf(json conf, const attachment& a) {
    conf["cni.dev/valid-attachments"] = json::array({{{"containerID", a.id}, {"ifname", a.ifname}}});
    return conf;
}

run_result gc(const portmap_world& pw, const std::string& plugin, const json& conf) {
    cni_call call{.command = "GC", .path = pw.w.cni_path, .set_container_id = false, .set_ifname = false};
    return run_plugin_in(pw.w.host.name(), plugin_path(plugin), call, conf.dump());
}

// The chain's GC, bridge first: what a runtime's GC of the network runs.
void gc_network(const portmap_world& pw, const json& bridge_conf, const json& portmap_conf, const attachment& a) {
    auto b = gc(pw, "bridge", gc_conf(bridge_conf, a));
    CHECK_MESSAGE(b.exit_code == 0, b.out, b.err);
    auto p = gc(pw, "portmap", gc_conf(portmap_conf, a));
    CHECK_MESSAGE(p.exit_code == 0, p.out, p.err);
}

// The records under the test's private run directory (WHARF_RUN_DIR) for portmap.
std::size_t portmap_records() {
    std::size_t n = 0;
    std::error_code ec;
    const std::filesystem::path base = std::string(std::getenv("WHARF_RUN_DIR")) + "/portmap";
    for (const auto& host : std::filesystem::directory_iterator(base, ec)) {
        for (const auto& f : std::filesystem::directory_iterator(host.path() / "published", ec)) {
            (void)f;
            ++n;
        }
    }
    return n;
}

struct published_world {
    portmap_world pw;
    json br;
    json maps;
    attachment a;

    published_world(const std::string& network, unsigned host_port) {
        br = pw.bridge_conf(network);
        br["ipMasq"] = true;
        br["cniVersion"] = "1.1.0";
        maps = json::array({{{"hostPort", host_port}, {"containerPort", 80}, {"protocol", "tcp"}}});
        a = pw.publish(br, "ctr-" + network, maps);
        pw.listen(*a.ns, 80, "web-" + network);
    }
    const outside_world& out() { return pw.w.outside(); }
    json portmap_conf() const {
        json c = pw.portmap_conf(a.bridge_conf.value("name", ""), maps);
        c["cniVersion"] = "1.1.0";
        return c;
    }
};

}  // namespace

TEST_CASE("after nft flush ruleset, GC makes the published port and the masquerade work again") {
    published_world p("rpflush", 18401);
    const auto& out = p.out();
    REQUIRE(p.pw.tcp(out.ns.get(), out.host_ip, 18401) == "web-rpflush");
    REQUIRE(pings(*p.a.ns, out.outside_ip));  // the outside has no route back: only the masquerade answers
    CHECK(portmap_records() == 1);

    p.pw.w.in_host("nft flush ruleset");
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18401).empty());
    CHECK_FALSE(pings(*p.a.ns, out.outside_ip));

    gc_network(p.pw, p.br, p.portmap_conf(), p.a);
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18401) == "web-rpflush");
    CHECK(pings(*p.a.ns, out.outside_ip));
    auto chk = p.pw.portmap("CHECK", p.pw.portmap_conf(p.a.bridge_conf.value("name", ""), p.maps, p.a.bridge_result), p.a);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);

    // A second GC finds nothing missing and changes nothing.
    const std::string before = p.pw.w.ruleset();
    gc_network(p.pw, p.br, p.portmap_conf(), p.a);
    CHECK(p.pw.w.ruleset() == before);

    CHECK(p.pw.portmap("DEL", p.portmap_conf(), p.a).exit_code == 0);
    CHECK(portmap_records() == 0);
    CHECK(p.pw.w.run("DEL", p.br, p.a.ns->path(), p.a.id).exit_code == 0);
}

TEST_CASE("after only portmap's table, or only one map element, is deleted, GC publishes the port again") {
    published_world p("rptable", 18402);
    const auto& out = p.out();
    REQUIRE(p.pw.tcp(out.ns.get(), out.host_ip, 18402) == "web-rptable");

    p.pw.w.in_host("nft delete table inet wharf_portmap");
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18402).empty());
    gc_network(p.pw, p.br, p.portmap_conf(), p.a);
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18402) == "web-rptable");

    const std::string element = "tcp . 0.0.0.0 . 18402 : " + p.a.ip4 + " . 80";
    REQUIRE(p.pw.elements("ports4") == std::vector<std::string>{element});
    p.pw.w.in_host("nft delete element inet wharf_portmap ports4 '{ tcp . 0.0.0.0 . 18402 }'");
    CHECK(p.pw.elements("ports4").empty());
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18402).empty());
    gc_network(p.pw, p.br, p.portmap_conf(), p.a);
    CHECK(p.pw.elements("ports4") == std::vector<std::string>{element});
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18402) == "web-rptable");

    CHECK(p.pw.portmap("DEL", p.portmap_conf(), p.a).exit_code == 0);
    CHECK(p.pw.w.run("DEL", p.br, p.a.ns->path(), p.a.id).exit_code == 0);
}

TEST_CASE("GC with the attachment no longer valid withdraws its ports and drops its record; nothing is restored") {
    published_world p("rpstale", 18403);
    const auto& out = p.out();
    REQUIRE(portmap_records() == 1);
    json none = p.portmap_conf();
    none["cni.dev/valid-attachments"] = json::array();
    p.pw.w.in_host("nft flush ruleset");
    auto res = gc(p.pw, "portmap", none);
    CHECK_MESSAGE(res.exit_code == 0, res.out, res.err);
    CHECK(portmap_records() == 0);
    CHECK(p.pw.table().find("18403") == std::string::npos);
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18403).empty());
    CHECK(p.pw.w.run("DEL", p.br, p.a.ns->path(), p.a.id).exit_code == 0);
}

TEST_CASE("wharfd in the host repairs by itself: after nft flush ruleset, one map element deleted, portmap's table deleted") {
    published_world p("rpagent", 18405);
    const auto& out = p.out();
    REQUIRE(p.pw.tcp(out.ns.get(), out.host_ip, 18405) == "web-rpagent");
    wharfd_process agent(p.pw.w.host.path());

    // The repair is asked of the agent within one second; the limits below are wider so that a loaded
    // machine does not fail the test.
    p.pw.w.in_host("nft flush ruleset");
    const auto flushed = std::chrono::steady_clock::now();
    CHECK_MESSAGE(within(std::chrono::seconds(5), [&] { return p.pw.tcp(out.ns.get(), out.host_ip, 18405) == "web-rpagent"; }),
                  agent.log());
    MESSAGE("published port back after ",
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - flushed).count(), " ms");
    CHECK(within(std::chrono::seconds(5), [&] { return pings(*p.a.ns, out.outside_ip); }));

    p.pw.w.in_host("nft delete element inet wharf_portmap ports4 '{ tcp . 0.0.0.0 . 18405 }'");
    CHECK(within(std::chrono::seconds(5), [&] { return p.pw.elements("ports4").size() == 1; }));
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18405) == "web-rpagent");

    p.pw.w.in_host("nft delete table inet wharf_portmap");
    CHECK_MESSAGE(within(std::chrono::seconds(5), [&] { return p.pw.tcp(out.ns.get(), out.host_ip, 18405) == "web-rpagent"; }),
                  agent.log());
    const std::string text = agent.log();
    CHECK_MESSAGE(text.find("published the ports of 1 attachment again") != std::string::npos, text);
    CHECK(text.find("restored the bridge plugin's masq-") != std::string::npos);

    // After DEL, nothing of the attachment comes back.
    CHECK(p.pw.portmap("DEL", p.portmap_conf(), p.a).exit_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(p.pw.elements("ports4").empty());
    agent.process().stop();
    CHECK_FALSE(agent.process().running());
    CHECK(p.pw.w.run("DEL", p.br, p.a.ns->path(), p.a.id).exit_code == 0);
}

namespace {

std::string host_sysctl(const portmap_world& pw, const std::string& name) {
    std::string v = pw.w.in_host("sysctl -n " + name);
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
}

}  // namespace

TEST_CASE("GC, and wharfd within a second, set ip_forward and route_localnet again when someone turns them off") {
    published_world p("rpsysctl", 18406);
    const auto& out = p.out();
    const std::string bridge = p.br.value("bridge", "");
    const std::string localnet = "net.ipv4.conf." + bridge + ".route_localnet";
    REQUIRE(host_sysctl(p.pw, "net.ipv4.ip_forward") == "1");
    REQUIRE(host_sysctl(p.pw, localnet) == "1");

    // Without the agent: the network's GC sets them again.
    p.pw.w.in_host("sysctl -qw net.ipv4.ip_forward=0 " + localnet + "=0");
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18406).empty());  // no forwarding, no published port
    gc_network(p.pw, p.br, p.portmap_conf(), p.a);
    CHECK(host_sysctl(p.pw, "net.ipv4.ip_forward") == "1");
    CHECK(host_sysctl(p.pw, localnet) == "1");
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18406) == "web-rpsysctl");

    // With the agent: by itself.
    wharfd_process agent(p.pw.w.host.path());
    p.pw.w.in_host("sysctl -qw net.ipv4.ip_forward=0 " + localnet + "=0");
    const auto turned_off = std::chrono::steady_clock::now();
    CHECK_MESSAGE(within(std::chrono::seconds(3), [&] {
                      return host_sysctl(p.pw, "net.ipv4.ip_forward") == "1" && host_sysctl(p.pw, localnet) == "1";
                  }),
                  agent.log());
    MESSAGE("sysctls set again after ",
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - turned_off).count(), " ms");
    CHECK(p.pw.tcp(out.ns.get(), out.host_ip, 18406) == "web-rpsysctl");
    const std::string text = agent.log();
    CHECK_MESSAGE(text.find("set net/ipv4/ip_forward: 0 -> 1 again") != std::string::npos, text);
    CHECK(text.find("route_localnet: 0 -> 1 again") != std::string::npos);

    // Once the attachment is gone, nothing is kept: the host's own setting stays as it is set.
    CHECK(p.pw.portmap("DEL", p.portmap_conf(), p.a).exit_code == 0);
    CHECK(p.pw.w.run("DEL", p.br, p.a.ns->path(), p.a.id).exit_code == 0);
    p.pw.w.in_host("sysctl -qw net.ipv4.ip_forward=0");
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    CHECK(host_sysctl(p.pw, "net.ipv4.ip_forward") == "0");
    agent.process().stop();
}

TEST_CASE("wharfd makes a container's MAC spoof check again after its table is deleted") {
    portmap_world pw;
    json br = pw.bridge_conf("rpspoof");
    br["macspoofchk"] = true;
    auto a = pw.attach(br, "ctr-rpspoof");
    const std::string mac = a.bridge_result["interfaces"][2].value("mac", "");
    REQUIRE(!mac.empty());
    REQUIRE(pw.w.ruleset().find(mac) != std::string::npos);
    wharfd_process agent(pw.w.host.path());

    pw.w.in_host("nft delete table bridge wharf_bridge");
    CHECK_MESSAGE(within(std::chrono::seconds(3), [&] { return pw.w.ruleset().find(mac) != std::string::npos; }), agent.log());
    CHECK(agent.log().find("restored the bridge plugin's spoof-check entries of") != std::string::npos);
    CHECK(pw.w.run("DEL", br, a.ns->path(), a.id).exit_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(pw.w.ruleset().find(mac) == std::string::npos);  // after DEL nothing comes back
    agent.process().stop();
}
