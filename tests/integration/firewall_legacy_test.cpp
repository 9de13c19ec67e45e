// The firewall plugin on a host whose iptables is the legacy x_tables one (iptables-legacy), in
// throwaway namespaces: the "host" sandbox has x_tables' filter FORWARD policy DROP and no
// iptables-nft table, so only rules in the legacy table can let a container's traffic through.
// iptables-legacy sets the scene and observes; the plugin writes the table itself.
#include <doctest/doctest.h>

#include <string>

#include "json/json.hpp"
#include "support/firewall_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string legacy_save(const firewall_world& w, int* rc) { return w.in_host("iptables-legacy-save -c -t filter 2>&1", rc); }

// The line of `saved` that contains `part`, counters included; empty when none does.
std::string line_with(const std::string& saved, const std::string& part) {
    const auto at = saved.find(part);
    if (at == std::string::npos) return {};
    const auto begin = saved.rfind('\n', at);
    const auto end = saved.find('\n', at);
    return saved.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1));
}

// The owner tag in a saved rule's comment ("... --comment \"wharf:...\" -j ACCEPT").
std::string cni_tag_of(const std::string& line) {
    const auto start = line.find("\"wharf:");
    if (start == std::string::npos) return {};
    return line.substr(start + 1, line.find('"', start + 1) - start - 1);
}

}  // namespace

TEST_CASE("with iptables-legacy FORWARD policy DROP, a container reaches the outside only with the firewall plugin") {
    firewall_world w;
    int rc = -1;
    // An administrator's rule in the admin chain, another rule of the host in FORWARD, and a rule
    // in INPUT whose counters move before the plugin runs.
    const std::string admin_rule = "-A CNI-ADMIN -s 10.65.1.1/32 -j ACCEPT";
    const std::string host_rule = "-A FORWARD -s 10.65.2.2/32 -j DROP";
    const std::string counted = "-A INPUT -i lo -j ACCEPT";
    w.in_host("iptables-legacy -N CNI-ADMIN && iptables-legacy " + admin_rule + " && iptables-legacy " + host_rule +
                  " && iptables-legacy " + counted + " && iptables-legacy -P FORWARD DROP && ping -c 2 -W 1 -q 127.0.0.1",
              &rc);
    REQUIRE(rc == 0);
    REQUIRE(w.in_host("nft list tables").find("filter") == std::string::npos);  // no iptables-nft here
    const std::string counted_before = line_with(legacy_save(w, &rc), counted);
    REQUIRE_FALSE(counted_before.empty());
    REQUIRE_FALSE(contains(counted_before, "[0:0]"));

    const auto& net = w.network(0);
    fw_container bare = w.attach(net, "wfl-bare", false);
    CHECK_FALSE(pings(*bare.ns, w.outside_ip));

    fw_container c = w.attach(net, "wfl-ctr");
    CHECK(pings(*c.ns, w.outside_ip));
    CHECK_FALSE(pings(*bare.ns, w.outside_ip));
    CHECK_FALSE(pings(*w.outside, c.ip));  // only replies come in, as with the reference

    std::string saved = legacy_save(w, &rc);
    CHECK(rc == 0);
    CHECK_MESSAGE(contains(saved, "-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD"), saved);
    CHECK(saved.find("--comment \"CNI firewall plugin rules\"") < saved.find(host_rule));  // the jump comes first
    CHECK(contains(saved, "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN"));
    CHECK(contains(saved, "-A CNI-FORWARD -d " + c.ip + "/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"wharf:"));
    CHECK(contains(saved, "-A CNI-FORWARD -s " + c.ip + "/32 -m comment --comment \"wharf:"));
    CHECK(contains(saved, admin_rule));
    CHECK(contains(saved, host_rule));
    CHECK(line_with(saved, counted) == counted_before);  // the kept rules keep their counters
    CHECK(contains(saved, ":FORWARD DROP"));
    w.in_host("iptables-legacy -L -n -v >/dev/null 2>&1", &rc);
    CHECK(rc == 0);

    const json conf = w.firewall_conf(net, c.bridge_result);
    auto chk = w.firewall("CHECK", conf, c);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    // ADD again changes nothing.
    REQUIRE(w.firewall("ADD", conf, c).exit_code == 0);
    CHECK(legacy_save(w, &rc).find(c.ip + "/32") == saved.find(c.ip + "/32"));
    // CHECK sees a rule gone (rule 3 of CNI-FORWARD: the -s accept), ADD puts it back.
    w.in_host("iptables-legacy -D CNI-FORWARD 3", &rc);
    REQUIRE(rc == 0);
    chk = w.firewall("CHECK", conf, c);
    CHECK(chk.exit_code != 0);
    REQUIRE(w.firewall("ADD", conf, c).exit_code == 0);
    chk = w.firewall("CHECK", conf, c);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    CHECK(pings(*c.ns, w.outside_ip));

    // A second attachment: its rules come after the first's; the first's DEL leaves them working.
    fw_container c2 = w.attach(net, "wfl-ctr2");
    CHECK(pings(*c2.ns, w.outside_ip));

    auto del = w.firewall("DEL", conf, c);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    del = w.firewall("DEL", conf, c);  // DEL twice
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK_FALSE(pings(*c.ns, w.outside_ip));
    saved = legacy_save(w, &rc);
    CHECK(rc == 0);
    CHECK_FALSE(contains(saved, c.ip + "/32"));
    CHECK(contains(saved, "-A CNI-FORWARD -s " + c2.ip + "/32"));
    CHECK(contains(saved, admin_rule));
    CHECK(contains(saved, host_rule));
    CHECK(line_with(saved, counted) == counted_before);
    CHECK(pings(*c2.ns, w.outside_ip));
    chk = w.firewall("CHECK", w.firewall_conf(net, c2.bridge_result), c2);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    w.detach(c2);
    CHECK_FALSE(contains(legacy_save(w, &rc), "wharf:"));
    CHECK(contains(legacy_save(w, &rc), admin_rule));
    w.detach(c);
    auto b = w.bridge("DEL", w.bridge_conf(net), bare);
    CHECK(b.exit_code == 0);
}

TEST_CASE("with ip6tables-legacy FORWARD policy DROP too, IPv6 addresses get the same rules there, as ip6tables-legacy writes them") {
    firewall_world w;
    int rc = -1;
    const std::string counted = "-A INPUT -i lo -j ACCEPT";
    w.in_host("iptables-legacy -P FORWARD DROP && ip6tables-legacy -N CNI-ADMIN && ip6tables-legacy " + counted +
                  " && ip6tables-legacy -P FORWARD DROP && ping -6 -c 2 -W 1 -q ::1",
              &rc);
    REQUIRE(rc == 0);
    const auto save6 = [&] { return w.in_host("ip6tables-legacy-save -c -t filter 2>&1", &rc); };
    const std::string counted_before = line_with(save6(), counted);
    REQUIRE_FALSE(contains(counted_before, "[0:0]"));

    const auto& net = w.network(0);
    fw_container c{.ns = w.outside.get(), .id = "wfl-six", .net = &net};
    c.bridge_result = {{"cniVersion", "1.1.0"},
                       {"interfaces", json::array({{{"name", net.bridge}}, {{"name", "wflveth6"}},
                                                   {{"name", "eth0"}, {"sandbox", w.outside->path()}}})},
                       {"ips", json::array({{{"address", "10.62.251.2/24"}, {"interface", 2}},
                                            {{"address", "fd62::2/64"}, {"interface", 2}}})}};
    const json conf = w.firewall_conf(net, c.bridge_result);
    auto add = w.firewall("ADD", conf, c);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    std::string saved = save6();
    CHECK(rc == 0);
    CHECK_MESSAGE(contains(saved, "-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD"), saved);
    CHECK(contains(saved, "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN"));
    const std::string d_rule = line_with(saved, "-d fd62::2/128");
    const std::string s_rule = line_with(saved, "-s fd62::2/128");
    CHECK(contains(d_rule, "-A CNI-FORWARD -d fd62::2/128 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"wharf:"));
    CHECK(contains(s_rule, "-A CNI-FORWARD -s fd62::2/128 -m comment --comment \"wharf:"));
    CHECK(line_with(saved, counted) == counted_before);
    CHECK_FALSE(contains(saved, "10.62.251.2"));
    CHECK(contains(legacy_save(w, &rc), "-A CNI-FORWARD -s 10.62.251.2/32"));  // IPv4 in iptables-legacy

    // The same rule written by ip6tables-legacy itself reads back the same: the entry is its own form.
    w.in_host("ip6tables-legacy -A CNI-FORWARD -s fd62::3/128 -m comment --comment probe -j ACCEPT", &rc);
    REQUIRE(rc == 0);
    const std::string probe = line_with(save6(), "-s fd62::3/128");
    CHECK(probe == "[0:0] -A CNI-FORWARD -s fd62::3/128 -m comment --comment probe -j ACCEPT");
    CHECK(s_rule.substr(0, s_rule.find("--comment")) == "[0:0] -A CNI-FORWARD -s fd62::2/128 -m comment ");
    w.in_host("ip6tables-legacy -D CNI-FORWARD -s fd62::3/128 -m comment --comment probe -j ACCEPT && ip6tables-legacy -L -n -v >/dev/null", &rc);
    CHECK(rc == 0);

    CHECK(w.firewall("CHECK", conf, c).exit_code == 0);
    w.in_host("ip6tables-legacy -D CNI-FORWARD -s fd62::2/128 -m comment --comment \"" + cni_tag_of(s_rule) + "\" -j ACCEPT", &rc);
    REQUIRE(rc == 0);
    auto chk = w.firewall("CHECK", conf, c);
    CHECK(chk.exit_code != 0);
    CHECK(contains(chk.json().value("details", ""), "ip6tables-legacy"));

    CHECK(w.firewall("DEL", w.firewall_conf(net, nullptr), c).exit_code == 0);
    saved = save6();
    CHECK_FALSE(contains(saved, "fd62::2"));
    CHECK_FALSE(contains(saved, "wharf:"));
    CHECK(line_with(saved, counted) == counted_before);
    CHECK_FALSE(contains(legacy_save(w, &rc), "wharf:"));
    CHECK(w.firewall("DEL", w.firewall_conf(net, nullptr), c).exit_code == 0);
}
