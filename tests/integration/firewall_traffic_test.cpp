// The firewall plugin with real traffic, chained after our bridge plugin through prevResult, in
// throwaway namespaces: the "host" is a sandbox namespace whose iptables filter FORWARD policy
// is DROP (as Docker or a distribution default leaves it), an outside namespace is the world.
#include <doctest/doctest.h>

#include <string>

#include "json/json.hpp"
#include "support/firewall_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// iptables-nft's own reading of the host's filter table, with its exit code.
std::string iptables_save(const firewall_world& w, int* rc) { return w.in_host("iptables-nft-save -t filter 2>&1", rc); }

}  // namespace

TEST_CASE("with iptables FORWARD policy DROP, a container reaches the outside only with the firewall plugin in its chain") {
    firewall_world w;
    w.drop_forwarding();
    int rc = -1;
    const auto& net = w.network(0);

    fw_container bare = w.attach(net, "wfw-bare", false);
    CHECK_FALSE(pings(*bare.ns, w.outside_ip));  // iptables drops it: Wharf's own accept would not help

    fw_container c = w.attach(net, "wfw-ctr");
    CHECK(pings(*c.ns, w.outside_ip));
    CHECK_FALSE(pings(*bare.ns, w.outside_ip));  // only the attachment the firewall let through
    // New connections from the outside stay the host's business, as with the reference: only replies
    // to the container's own connections are let in.
    CHECK_FALSE(pings(*w.outside, c.ip));

    // iptables-nft reads what we wrote, in its own words, without complaint.
    const std::string saved = iptables_save(w, &rc);
    CHECK(rc == 0);
    CHECK_FALSE(contains(saved, "incompatible"));
    CHECK_FALSE(contains(saved, "unsupported"));
    CHECK(contains(saved, "-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD"));
    CHECK(contains(saved, "-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN"));
    CHECK(contains(saved, "-A CNI-FORWARD -d " + c.ip + "/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"wharf:"));
    CHECK(contains(saved, "-A CNI-FORWARD -s " + c.ip + "/32 -m comment --comment \"wharf:"));
    CHECK(contains(saved, ":CNI-ADMIN - [0:0]"));
    w.in_host("iptables-nft -L -n -v >/dev/null 2>&1", &rc);
    CHECK(rc == 0);
    // The admin chain is for administrators: an accept of theirs takes effect, and Wharf leaves it alone.
    const std::string admin_rules = "-s " + bare.ip + "/32 -j ACCEPT";
    w.in_host("iptables-nft -A CNI-ADMIN " + admin_rules + " && iptables-nft -A CNI-ADMIN -d " + bare.ip + "/32 -j ACCEPT", &rc);
    CHECK(rc == 0);
    CHECK(pings(*bare.ns, w.outside_ip));

    const json conf = w.firewall_conf(net, c.bridge_result);
    auto chk = w.firewall("CHECK", conf, c);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);

    w.detach(c);
    CHECK_FALSE(pings(*w.outside, c.ip));
    CHECK(contains(iptables_save(w, &rc), "-A CNI-ADMIN " + admin_rules));
    CHECK(rc == 0);
    w.in_host("iptables-nft -F CNI-ADMIN");  // the administrator's own rules go by the administrator's hand
    CHECK_FALSE(contains(iptables_save(w, &rc), c.ip + "/32"));
    auto b = w.bridge("DEL", w.bridge_conf(net), bare);
    CHECK(b.exit_code == 0);

    // Nothing named after the test's bridges, subnets or network remains.
    const std::string rules = w.ruleset();
    CHECK_FALSE(contains(rules, net.bridge));
    CHECK_FALSE(contains(rules, net.name));
    CHECK_FALSE(contains(rules, net.subnet.substr(0, net.subnet.rfind('.'))));
    CHECK_FALSE(contains(rules, "wharf:"));
}

TEST_CASE("ingressPolicy same-bridge: three networks, two isolated; traffic by policy") {
    firewall_world w;
    const auto& a_net = w.network(0, "same-bridge");
    const auto& b_net = w.network(1, "same-bridge");
    const auto& c_net = w.network(2);  // open
    fw_container a1 = w.attach(a_net, "wfw-a1"), a2 = w.attach(a_net, "wfw-a2");
    fw_container b1 = w.attach(b_net, "wfw-b1");
    fw_container c1 = w.attach(c_net, "wfw-c1");

    CHECK(pings(*a1.ns, a2.ip));             // within an isolated bridge
    CHECK_FALSE(pings(*a1.ns, b1.ip));       // between two isolated bridges
    CHECK_FALSE(pings(*b1.ns, a2.ip));
    CHECK(pings(*a1.ns, c1.ip));             // to an open network
    CHECK(pings(*c1.ns, b1.ip));             // from it
    CHECK(pings(*a1.ns, w.outside_ip));      // to the outside
    CHECK(pings(*w.outside, b1.ip));         // from it

    // One element per bridge in the sets, not a rule per bridge or container.
    const std::string table = w.in_host("nft list table inet wharf_firewall");
    CHECK(contains(table, "\"" + a_net.bridge + "\" . \"" + a_net.bridge + "\""));
    CHECK(contains(table, "\"" + b_net.bridge + "\""));
    CHECK_FALSE(contains(table, c_net.bridge));

    auto chk = w.firewall("CHECK", w.firewall_conf(a_net, a1.bridge_result), a1);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);

    // The bridge's entries stay while one of its attachments does, and go with the last.
    w.detach(a1);
    CHECK(contains(w.in_host("nft list table inet wharf_firewall"), a_net.bridge));
    CHECK_FALSE(pings(*b1.ns, a2.ip));
    w.detach(a2);
    CHECK_FALSE(contains(w.in_host("nft list table inet wharf_firewall"), a_net.bridge));
    w.detach(b1);
    w.detach(c1);
    const std::string rules = w.ruleset();
    for (const auto* n : {&a_net, &b_net, &c_net}) {
        CHECK_FALSE(contains(rules, n->bridge));
        CHECK_FALSE(contains(rules, n->subnet.substr(0, n->subnet.rfind('.'))));
    }
}

TEST_CASE("ingressPolicy isolated: containers of one bridge cannot reach each other, the outside still can") {
    firewall_world w;
    const auto& net = w.network(0, "isolated");
    const auto& open = w.network(1);
    fw_container a1 = w.attach(net, "wfw-i1"), a2 = w.attach(net, "wfw-i2");
    fw_container o1 = w.attach(open, "wfw-o1"), o2 = w.attach(open, "wfw-o2");
    CHECK_FALSE(pings(*a1.ns, a2.ip));
    CHECK(pings(*a1.ns, w.outside_ip));
    CHECK(pings(*o1.ns, o2.ip));          // the open network's containers still talk
    CHECK(pings(*o1.ns, a1.ip));          // an open network is no member of the isolation sets
    // One element per isolated port, in the bridge family's forward hook; the bridge's own port
    // flags are left as the bridge plugin set them (its CHECK still passes).
    const std::string host_veth = a1.bridge_result["interfaces"][1]["name"];
    CHECK_MESSAGE(contains(w.in_host("nft list set bridge wharf_firewall isolated_ports"), host_veth), w.in_host("nft list set bridge wharf_firewall isolated_ports 2>&1"), host_veth);
    CHECK_FALSE(contains(w.in_host("ip -d link show master " + net.bridge), "isolated on"));
    auto chk = w.firewall("CHECK", w.firewall_conf(net, a1.bridge_result), a1);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    auto bridge_chk = w.bridge("CHECK", with_prev(w.bridge_conf(net), a1.bridge_result), a1);
    CHECK_MESSAGE(bridge_chk.exit_code == 0, bridge_chk.out, bridge_chk.err);
    int rc = -1;
    w.in_host("nft delete element bridge wharf_firewall isolated_ports '{ \"" + host_veth + "\" }'", &rc);
    REQUIRE(rc == 0);
    CHECK(pings(*a1.ns, a2.ip));  // the port's element was all that stopped it
    chk = w.firewall("CHECK", w.firewall_conf(net, a1.bridge_result), a1);
    CHECK(chk.exit_code != 0);
    CHECK(contains(chk.json()["msg"].get<std::string>(), host_veth));
    REQUIRE(w.firewall("ADD", w.firewall_conf(net, a1.bridge_result), a1).exit_code == 0);
    CHECK_FALSE(pings(*a1.ns, a2.ip));
    w.detach(a1);
    w.detach(a2);
    w.detach(o1);
    w.detach(o2);
    const std::string rules = w.ruleset();
    CHECK_FALSE(contains(rules, host_veth));
    CHECK_FALSE(contains(rules, net.bridge));
    CHECK_FALSE(contains(rules, "wharf:"));
}
