// The firewall plugin's commands at every supported spec version, DEL twice and without prevResult,
// CHECK finding a removed element or rule, GC and STATUS, in throwaway namespaces.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "support/firewall_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string msg_of(const run_result& r) {
    const json j = r.json();
    return j.is_object() && j.contains("msg") ? j["msg"].get<std::string>() : r.out + r.err;
}

}  // namespace

TEST_CASE("ADD, CHECK, DEL, DEL at 0.4.0, 1.0.0 and 1.1.0; the result is prevResult in the config's version") {
    for (const std::string version : {"0.4.0", "1.0.0", "1.1.0"}) {
        CAPTURE(version);
        firewall_world w;
        w.drop_forwarding();
        const auto& net = w.network(0, "same-bridge");
        fw_container c = w.attach(net, "wfw-v", true, version);
        CHECK(c.bridge_result["cniVersion"] == version);
        const json conf = w.firewall_conf(net, c.bridge_result, version);
        auto chk = w.firewall("CHECK", conf, c);
        CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
        CHECK(pings(*c.ns, w.outside_ip));
        auto del = w.firewall("DEL", conf, c);
        CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
        auto again = w.firewall("DEL", conf, c);
        CHECK_MESSAGE(again.exit_code == 0, again.out, again.err);
        CHECK_FALSE(pings(*c.ns, w.outside_ip));
        CHECK(w.bridge("DEL", w.bridge_conf(net, version), c).exit_code == 0);
        CHECK_FALSE(contains(w.ruleset(), net.bridge));
        CHECK_FALSE(contains(w.ruleset(), "wharf:"));
    }
}

TEST_CASE("DEL without prevResult removes exactly this attachment's rules and elements") {
    firewall_world w;
    w.drop_forwarding();
    const auto& net = w.network(0);
    fw_container a = w.attach(net, "wfw-a"), b = w.attach(net, "wfw-b");
    auto del = w.firewall("DEL", w.firewall_conf(net, nullptr), a);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK_FALSE(pings(*a.ns, w.outside_ip));
    CHECK(pings(*b.ns, w.outside_ip));
    const std::string saved = w.in_host("iptables-nft-save -t filter");
    CHECK_FALSE(contains(saved, a.ip + "/32"));
    CHECK(contains(saved, b.ip + "/32"));
    w.detach(b);
    CHECK(w.bridge("DEL", w.bridge_conf(net), a).exit_code == 0);
}

TEST_CASE("CHECK fails when an element of Wharf's table or a rule in iptables' chain was removed; creates nothing") {
    firewall_world w;
    w.drop_forwarding();
    const auto& net = w.network(0);
    fw_container c = w.attach(net, "wfw-chk");
    const json conf = w.firewall_conf(net, c.bridge_result);
    REQUIRE(w.firewall("CHECK", conf, c).exit_code == 0);

    int rc = -1;
    w.in_host("nft delete element inet wharf_firewall allowed4 '{ " + c.ip + " }'", &rc);
    REQUIRE(rc == 0);
    const std::string before = w.ruleset();
    auto chk = w.firewall("CHECK", conf, c);
    CHECK(chk.exit_code != 0);
    CHECK(contains(msg_of(chk), c.ip));
    CHECK(w.ruleset() == before);  // CHECK repairs nothing

    // ADD again restores it; then a removed iptables rule is found.
    REQUIRE(w.firewall("ADD", conf, c).exit_code == 0);
    REQUIRE(w.firewall("CHECK", conf, c).exit_code == 0);
    w.in_host("iptables-nft -D CNI-FORWARD -s " + c.ip + "/32 -m comment --comment \"" +
                  w.in_host("iptables-nft-save -t filter | grep -o 'wharf:[^\"]*' | head -1 | tr -d '\\n'") + "\" -j ACCEPT",
              &rc);
    REQUIRE(rc == 0);
    chk = w.firewall("CHECK", conf, c);
    CHECK(chk.exit_code != 0);
    CHECK(contains(msg_of(chk), "CNI-FORWARD"));
    // ADD repairs a partial attachment without duplicating rules.
    REQUIRE(w.firewall("ADD", conf, c).exit_code == 0);
    REQUIRE(w.firewall("ADD", conf, c).exit_code == 0);
    const std::string saved = w.in_host("iptables-nft-save -t filter");
    std::size_t n = 0;
    for (std::size_t at = saved.find(c.ip + "/32"); at != std::string::npos; at = saved.find(c.ip + "/32", at + 1)) ++n;
    CHECK(n == 2);
    CHECK(w.firewall("CHECK", conf, c).exit_code == 0);
    w.detach(c);
}

TEST_CASE("GC removes the rules of attachments not in cni.dev/valid-attachments; STATUS answers") {
    firewall_world w;
    w.drop_forwarding();
    const auto& net = w.network(0, "same-bridge");
    fw_container keep = w.attach(net, "wfw-keep"), stale = w.attach(net, "wfw-stale");
    json gc = w.firewall_conf(net, nullptr);
    gc["cni.dev/valid-attachments"] = json::array({{{"containerID", keep.id}, {"ifname", "eth0"}}});
    cni_call call{.command = "GC", .set_container_id = false, .set_ifname = false};
    auto r = run_plugin_in(w.host.name(), plugin_path("firewall"), call, gc.dump());
    CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
    CHECK(pings(*keep.ns, w.outside_ip));
    CHECK_FALSE(pings(*stale.ns, w.outside_ip));
    CHECK(w.firewall("CHECK", w.firewall_conf(net, keep.bridge_result), keep).exit_code == 0);
    CHECK(w.firewall("CHECK", w.firewall_conf(net, stale.bridge_result), stale).exit_code != 0);

    call.command = "STATUS";
    r = run_plugin_in(w.host.name(), plugin_path("firewall"), call, w.firewall_conf(net, nullptr).dump());
    CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);

    // GC with no valid attachment left: the network's isolation entries go too.
    gc["cni.dev/valid-attachments"] = json::array();
    call.command = "GC";
    r = run_plugin_in(w.host.name(), plugin_path("firewall"), call, gc.dump());
    CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
    CHECK_FALSE(contains(w.ruleset(), net.bridge));
    CHECK_FALSE(contains(w.ruleset(), "wharf:"));
    CHECK(w.bridge("DEL", w.bridge_conf(net), keep).exit_code == 0);
    CHECK(w.bridge("DEL", w.bridge_conf(net), stale).exit_code == 0);
}

TEST_CASE("without iptables' filter table Wharf's own table alone is programmed, and nothing of iptables is created") {
    firewall_world w;
    const auto& net = w.network(0);
    fw_container c = w.attach(net, "wfw-noipt");
    const std::string rules = w.ruleset();
    CHECK(contains(rules, "table inet wharf_firewall"));
    CHECK_FALSE(contains(rules, "table ip filter"));
    CHECK(pings(*c.ns, w.outside_ip));
    CHECK(w.firewall("CHECK", w.firewall_conf(net, c.bridge_result), c).exit_code == 0);
    w.detach(c);
}

TEST_CASE("ADD refuses backend firewalld without firewalld (code 11) and a missing prevResult (code 7); DEL of either succeeds") {
    firewall_world w;
    const auto& net = w.network(0);
    fw_container c = w.attach(net, "wfw-bad", false);
    json conf = w.firewall_conf(net, c.bridge_result);
    conf["backend"] = "firewalld";
    auto r = w.firewall("ADD", conf, c);
    CHECK(r.exit_code != 0);
    CHECK(r.json()["code"] == 11);  // no system bus: firewalld may be starting
    CHECK(w.firewall("DEL", conf, c).exit_code == 0);
    auto none = w.firewall("ADD", w.firewall_conf(net, nullptr), c);
    CHECK(none.json()["code"] == 7);
    CHECK(w.firewall("DEL", w.firewall_conf(net, nullptr), c).exit_code == 0);
    CHECK(w.bridge("DEL", w.bridge_conf(net), c).exit_code == 0);
}

TEST_CASE("eight concurrent first ADDs on a host with iptables FORWARD: one jump of each kind, every container through") {
    firewall_world w;
    w.drop_forwarding();
    const auto& net = w.network(0, "same-bridge");
    std::vector<fw_container> cs;
    for (int i = 0; i < 8; ++i) cs.push_back(w.attach(net, "wfw-p" + std::to_string(i), false));
    std::vector<run_result> results(cs.size());
    {
        std::vector<std::jthread> threads;
        for (std::size_t i = 0; i < cs.size(); ++i)
            threads.emplace_back([&, i] { results[i] = w.firewall("ADD", w.firewall_conf(net, cs[i].bridge_result), cs[i]); });
    }
    for (const auto& r : results) CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
    const std::string saved = w.in_host("iptables-nft-save -t filter");
    auto count = [&](const std::string& part) {
        std::size_t n = 0;
        for (std::size_t at = saved.find(part); at != std::string::npos; at = saved.find(part, at + 1)) ++n;
        return n;
    };
    CHECK(count("-j CNI-FORWARD") == 1);
    CHECK(count("-j CNI-ADMIN") == 1);
    CHECK(count("-j ACCEPT") == 2 * cs.size());
    CHECK(pings(*cs.front().ns, w.outside_ip));
    CHECK(pings(*cs.back().ns, w.outside_ip));
    for (const auto& c : cs) w.detach(c);
    CHECK_FALSE(contains(w.ruleset(), net.bridge));
    CHECK_FALSE(contains(w.ruleset(), "wharf:"));
}

TEST_CASE("dual stack: IPv6 addresses get their rules in ip6 filter, which ip6tables-nft-save reads; DEL removes them") {
    firewall_world w;
    w.drop_forwarding(true);
    int rc = -1;
    const auto& net = w.network(0);
    fw_container c{.ns = w.outside.get(), .id = "wfw-six", .net = &net};
    c.bridge_result = {{"cniVersion", "1.1.0"},
                       {"interfaces", json::array({{{"name", net.bridge}}, {{"name", "wfwveth6"}},
                                                   {{"name", "eth0"}, {"sandbox", w.outside->path()}}})},
                       {"ips", json::array({{{"address", "10.62.250.2/24"}, {"interface", 2}},
                                            {{"address", "fd62::2/64"}, {"interface", 2}}})}};
    const json conf = w.firewall_conf(net, c.bridge_result);
    auto add = w.firewall("ADD", conf, c);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(w.firewall("CHECK", conf, c).exit_code == 0);
    const std::string saved = w.in_host("ip6tables-nft-save -t filter 2>&1", &rc);
    CHECK(rc == 0);
    CHECK(contains(saved, "-A CNI-FORWARD -d fd62::2/128 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"wharf:"));
    CHECK(contains(saved, "-A CNI-FORWARD -s fd62::2/128 -m comment --comment \"wharf:"));
    CHECK(contains(w.in_host("iptables-nft-save -t filter"), "-s 10.62.250.2/32"));
    w.in_host("ip6tables-nft -L -n >/dev/null 2>&1", &rc);
    CHECK(rc == 0);
    CHECK(w.firewall("DEL", w.firewall_conf(net, nullptr), c).exit_code == 0);
    const std::string rules = w.ruleset();
    CHECK_FALSE(contains(rules, "fd62::2"));
    CHECK_FALSE(contains(rules, "10.62.250.2"));
    CHECK_FALSE(contains(rules, "wharf:"));
}
