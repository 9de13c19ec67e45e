// Links against the real kernel, each case inside throwaway namespaces from support/sandbox.hpp.
// `ip -j` serves as an independent observer of what our calls did. Root required: fails otherwise.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <stdexcept>
#include <string>

#include "json/json.hpp"
#include "netlink/bridge_port.hpp"
#include "netlink/error.hpp"
#include "netlink/link.hpp"
#include "netlink/request.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"

using namespace wharf;
using namespace wharf::netlink;
using nlohmann::json;

namespace {

// A sandbox namespace with a handle on it and a netlink socket bound inside.
struct ns_env {
    bool root_checked = [] {
        REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)");
        return true;
    }();
    test::netns_sandbox sandbox{"wnl"};
    netns::handle ns = netns::handle::open(sandbox.path());
    netlink::socket nl = netns::open_socket(ns, NETLINK_ROUTE);
};

// `ip -j [-d] link show dev <name>` inside the sandbox, as parsed JSON (one object).
json ip_link(const ns_env& env, const std::string& name, bool details = false) {
    int rc = -1;
    const std::string out =
        test::run_shell("ip -n " + env.sandbox.name() + (details ? " -d" : "") + " -j link show dev " + name + " 2>/dev/null", &rc);
    if (rc != 0) return json();
    const json parsed = json::parse(out);
    REQUIRE(parsed.is_array());
    REQUIRE(parsed.size() == 1);
    return parsed[0];
}

}  // namespace

TEST_CASE("bridge: create, find, up/down, mtu, mac, rename, remove twice") {
    ns_env env;
    const std::string name = test::unique_name("wbr");
    const auto mac = *net::mac::parse("02:11:22:33:44:55");
    link::create_bridge(env.nl, {.name = name, .mtu = 1400, .mac = mac});

    const link_info br = link::get_link(env.nl, name);
    CHECK(br.index);
    CHECK(br.name == name);
    CHECK(br.kind == "bridge");
    CHECK(br.mtu == 1400);
    CHECK(br.mac == mac);
    CHECK_FALSE(br.up);
    CHECK(link::find_link(env.nl, br.index)->name == name);
    const json seen = ip_link(env, name);
    CHECK(seen["ifindex"] == br.index.value);
    CHECK(seen["mtu"] == 1400);
    CHECK(seen["address"] == "02:11:22:33:44:55");

    link::set_up(env.nl, br.index);
    CHECK(link::get_link(env.nl, br.index).up);
    CHECK(ip_link(env, name)["flags"].dump().find("\"UP\"") != std::string::npos);
    link::set_down(env.nl, br.index);
    CHECK_FALSE(link::get_link(env.nl, br.index).up);

    link::set_mtu(env.nl, br.index, 1280);
    CHECK(link::get_link(env.nl, br.index).mtu == 1280);
    CHECK(ip_link(env, name)["mtu"] == 1280);

    const auto mac2 = *net::mac::parse("02:aa:bb:cc:dd:ee");
    link::set_mac(env.nl, br.index, mac2);
    CHECK(link::get_link(env.nl, br.index).mac == mac2);
    CHECK(ip_link(env, name)["address"] == "02:aa:bb:cc:dd:ee");

    link::set_promisc(env.nl, br.index, true);
    CHECK((link::get_link(env.nl, br.index).flags & IFF_PROMISC) != 0);
    link::set_promisc(env.nl, br.index, false);
    CHECK((link::get_link(env.nl, br.index).flags & IFF_PROMISC) == 0);

    const std::string renamed = test::unique_name("wrn");
    link::rename(env.nl, br.index, renamed);
    CHECK_FALSE(link::find_link(env.nl, name));
    CHECK(link::get_link(env.nl, renamed).index == br.index);
    CHECK(ip_link(env, renamed)["ifname"] == renamed);

    CHECK(link::remove(env.nl, br.index));
    CHECK_FALSE(link::remove(env.nl, br.index));
    CHECK_FALSE(link::remove(env.nl, renamed));
    CHECK_FALSE(link::find_link(env.nl, renamed));
    CHECK(ip_link(env, renamed).is_null());
}

TEST_CASE("get_link of a missing link throws ENODEV naming it; find_link returns nullopt") {
    ns_env env;
    CHECK_FALSE(link::find_link(env.nl, "wharfnothere"));
    CHECK_FALSE(link::find_link(env.nl, if_index{987654}));
    try {
        link::get_link(env.nl, "wharfnothere");
        FAIL("get_link did not throw");
    } catch (const error& e) {
        CHECK(e.code_value() == ENODEV);
        CHECK(std::string(e.what()).find("\"wharfnothere\"") != std::string::npos);
    }
}

TEST_CASE("veth: the peer is created straight inside another namespace") {
    ns_env host;
    ns_env container;
    const std::string host_if = test::unique_name("wvh");
    const std::string peer_if = test::unique_name("wvc");
    const auto peer_mac = *net::mac::parse("02:00:5e:10:20:30");
    link::create_veth(host.nl, {.name = host_if, .peer_name = peer_if, .peer_netns_fd = container.ns.fd(),
                                .mtu = 1450, .peer_mac = peer_mac});

    // Observed by ip: the peer is in the container namespace only, with its MTU and MAC.
    const json peer_seen = ip_link(container, peer_if);
    REQUIRE_FALSE(peer_seen.is_null());
    CHECK(peer_seen["mtu"] == 1450);
    CHECK(peer_seen["address"] == "02:00:5e:10:20:30");
    CHECK(ip_link(host, peer_if).is_null());
    CHECK(ip_link(host, host_if)["mtu"] == 1450);

    // Observed by us, through the socket bound in each namespace.
    const link_info host_end = link::get_link(host.nl, host_if);
    const link_info peer = link::get_link(container.nl, peer_if);
    CHECK(host_end.kind == "veth");
    CHECK(peer.kind == "veth");
    CHECK(peer.mac == peer_mac);
    CHECK(peer.mtu == 1450);
    CHECK(host_end.link == peer.index);   // IFLA_LINK names the peer's index in its namespace
    CHECK(peer.link == host_end.index);
    CHECK(host_end.link_netnsid.has_value());
    CHECK_FALSE(link::find_link(host.nl, peer_if));

    // Removing one end removes the pair.
    CHECK(link::remove(host.nl, host_if));
    CHECK_FALSE(link::find_link(container.nl, peer_if));
}

TEST_CASE("creating a link whose name exists fails with EEXIST, naming the operation and object") {
    ns_env env;
    const std::string a = test::unique_name("wva");
    const std::string b = test::unique_name("wvb");
    link::create_veth(env.nl, {.name = a, .peer_name = b});
    try {
        link::create_veth(env.nl, {.name = a, .peer_name = test::unique_name("wvx")});
        FAIL("duplicate veth was created");
    } catch (const error& e) {
        CHECK(e.code_value() == EEXIST);
        CHECK(e.code() == std::errc::file_exists);
        const std::string what = e.what();
        CHECK(what.find("create veth \"" + a + "\"/") == 0);
        CHECK(what.find("File exists") != std::string::npos);
        // When the kernel explains itself, the sentence is in what() too.
        if (!e.extack().empty()) CHECK(what.find(e.extack()) != std::string::npos);
    }
    CHECK_THROWS_AS(link::create_bridge(env.nl, {.name = b}), error);
}

TEST_CASE("master, nomaster and moving a link to another namespace") {
    ns_env env;
    ns_env other;
    const std::string br_name = test::unique_name("wbr");
    const std::string port_name = test::unique_name("wvh");
    link::create_bridge(env.nl, {.name = br_name});
    link::create_veth(env.nl, {.name = port_name, .peer_name = test::unique_name("wvp"), .mtu = 1400});
    const link_info br = link::get_link(env.nl, br_name);
    const link_info port = link::get_link(env.nl, port_name);

    link::set_master(env.nl, port.index, br.index);
    const link_info enslaved = link::get_link(env.nl, port.index);
    CHECK(enslaved.master == br.index);
    CHECK(enslaved.slave_kind == "bridge");
    CHECK(ip_link(env, port_name)["master"] == br_name);

    link::set_nomaster(env.nl, port.index);
    CHECK_FALSE(link::get_link(env.nl, port.index).master);
    CHECK_FALSE(ip_link(env, port_name).contains("master"));

    link::set_netns(env.nl, port.index, other.ns.fd());
    CHECK_FALSE(link::find_link(env.nl, port_name));
    const auto moved = link::find_link(other.nl, port_name);
    REQUIRE(moved);
    CHECK(moved->mtu == 1400);
    CHECK_FALSE(ip_link(other, port_name).is_null());
}

TEST_CASE("bridge port flags: hairpin, isolated and learning are set and read back") {
    ns_env env;
    const std::string br_name = test::unique_name("wbr");
    const std::string port_name = test::unique_name("wvh");
    link::create_bridge(env.nl, {.name = br_name});
    link::create_veth(env.nl, {.name = port_name, .peer_name = test::unique_name("wvp")});
    const link_info br = link::get_link(env.nl, br_name);
    const link_info port = link::get_link(env.nl, port_name);

    CHECK_FALSE(bridge::get_port(env.nl, port.index));  // not a port yet
    link::set_master(env.nl, port.index, br.index);
    const auto before = bridge::get_port(env.nl, port.index);
    REQUIRE(before);
    CHECK(before->master == br.index);
    CHECK_FALSE(before->hairpin);
    CHECK(before->learning);

    link::change(env.nl, port.index, {.port = {.hairpin = true, .isolated = true, .learning = false}});
    const auto after = bridge::get_port(env.nl, port.index);
    REQUIRE(after);
    CHECK(after->hairpin);
    CHECK(after->isolated);
    CHECK_FALSE(after->learning);
    const json slave = ip_link(env, port_name, true)["linkinfo"]["info_slave_data"];
    CHECK(slave["hairpin"] == true);
    CHECK(slave["isolated"] == true);
    CHECK(slave["learning"] == false);

    // Unset options stay as they are.
    link::change(env.nl, port_name, {.port = {.hairpin = false}});
    const auto last = bridge::get_port(env.nl, port.index);
    CHECK_FALSE(last->hairpin);
    CHECK(last->isolated);

    // A link that is no port has no port flags to set: the kernel refuses, and the error names it.
    const std::string loner = test::unique_name("wvl");
    link::create_veth(env.nl, {.name = loner, .peer_name = test::unique_name("wvp")});
    try {
        link::change(env.nl, loner, {.port = {.hairpin = true}});
        FAIL("port flags were set on a link that is no port");
    } catch (const error& e) {
        CHECK(e.code_value() == EOPNOTSUPP);
        CHECK(std::string(e.what()).find("set link \"" + loner + "\" hairpin on") == 0);
    }
}

TEST_CASE("veth born enslaved and up; alias and port flags in one change; master and flags together take two") {
    ns_env env;
    ns_env container;
    const std::string br_name = test::unique_name("wbr");
    link::create_bridge(env.nl, {.name = br_name});
    const link_info br = link::get_link(env.nl, br_name);
    link::set_up(env.nl, br);

    // master and up in the creating message: the host end is a port, and up, as it appears.
    const std::string host_if = test::unique_name("wvh");
    link::create_veth(env.nl, {.name = host_if, .peer_name = "eth0", .peer_netns_fd = container.ns.fd(),
                               .master = br.index, .up = true});
    const link_info host_end = link::get_link(env.nl, host_if);
    CHECK(host_end.master == br.index);
    CHECK(host_end.up);
    CHECK(host_end.slave_kind == "bridge");
    const json seen = ip_link(env, host_if, true);
    CHECK(seen["master"] == br_name);
    CHECK(seen["flags"].dump().find("\"UP\"") != std::string::npos);
    // The peer is neither: it is not in this namespace and stays down.
    const link_info peer = link::get_link(container.nl, "eth0");
    CHECK_FALSE(peer.up);
    CHECK_FALSE(peer.master);

    // Alias and port flags in one request, by name.
    const std::string alias = "wharf:0123456789abcdef net ctr/eth0";
    link::change(env.nl, host_if, {.alias = alias, .port = {.hairpin = true, .isolated = true}});
    const json changed = ip_link(env, host_if, true);
    CHECK(changed["ifalias"] == alias);
    CHECK(changed["linkinfo"]["info_slave_data"]["hairpin"] == true);
    CHECK(changed["linkinfo"]["info_slave_data"]["isolated"] == true);
    CHECK(link::get_link(env.nl, host_if).alias == alias);

    // A link that is not a port yet: change() enslaves it first, then sets its flags.
    const std::string late = test::unique_name("wvl");
    link::create_veth(env.nl, {.name = late, .peer_name = test::unique_name("wvp")});
    link::change(env.nl, late, {.up = true, .master = br.index, .port = {.hairpin = true}});
    const auto late_port = bridge::get_port(env.nl, link::get_link(env.nl, late).index);
    REQUIRE(late_port);
    CHECK(late_port->master == br.index);
    CHECK(late_port->hairpin);
    CHECK(ip_link(env, late, true)["linkinfo"]["info_slave_data"]["hairpin"] == true);
    CHECK(ip_link(env, late)["flags"].dump().find("\"UP\"") != std::string::npos);

    // ... which one message cannot do: the kernel reads the port flags before it sets the master.
    const std::string one = test::unique_name("wvo");
    link::create_veth(env.nl, {.name = one, .peer_name = test::unique_name("wvp")});
    message msg = link::change_request(one, {.master = br.index, .port = {.hairpin = true}});
    CHECK_THROWS_AS(env.nl.request(msg, "enslave and set hairpin at once"), error);
    CHECK_FALSE(link::get_link(env.nl, one).master);
}

TEST_CASE("up with arp_notify in one change; promisc, mtu and mac through the same request") {
    ns_env env;
    const std::string name = test::unique_name("wva");
    link::create_veth(env.nl, {.name = name, .peer_name = test::unique_name("wvb")});
    CHECK(env.sandbox.exec("cat /proc/sys/net/ipv4/conf/" + name + "/arp_notify") == "0\n");
    link::change(env.nl, name, {.up = true, .arp_notify = true});
    CHECK(env.sandbox.exec("cat /proc/sys/net/ipv4/conf/" + name + "/arp_notify") == "1\n");
    CHECK(link::get_link(env.nl, name).up);

    const auto mac = *net::mac::parse("02:42:42:42:42:42");
    link::change(env.nl, name, {.up = false, .promisc = true, .mtu = 1380, .mac = mac, .arp_notify = false});
    const link_info l = link::get_link(env.nl, name);
    CHECK_FALSE(l.up);
    CHECK((l.flags & IFF_PROMISC) != 0);
    CHECK(l.mtu == 1380);
    CHECK(l.mac == mac);
    const json seen = ip_link(env, name);
    CHECK(seen["mtu"] == 1380);
    CHECK(seen["address"] == "02:42:42:42:42:42");
    CHECK(seen["flags"].dump().find("PROMISC") != std::string::npos);
    CHECK(env.sandbox.exec("cat /proc/sys/net/ipv4/conf/" + name + "/arp_notify") == "0\n");
}

TEST_CASE("allmulticast and txqueuelen: set, read back, seen by ip, and set back") {
    ns_env env;
    const std::string name = test::unique_name("wva");
    link::create_veth(env.nl, {.name = name, .peer_name = test::unique_name("wvb")});
    const link_info before = link::get_link(env.nl, name);
    CHECK((before.flags & IFF_ALLMULTI) == 0);
    CHECK(before.txqlen == 1000);  // veth's default, as `ip` shows it
    CHECK(ip_link(env, name)["txqlen"] == 1000);

    link::change(env.nl, name, {.allmulti = true, .txqlen = 77});
    const link_info changed = link::get_link(env.nl, name);
    CHECK((changed.flags & IFF_ALLMULTI) != 0);
    CHECK(changed.txqlen == 77);
    const json seen = ip_link(env, name);
    CHECK(seen["txqlen"] == 77);
    CHECK(seen["flags"].dump().find("ALLMULTI") != std::string::npos);

    link::change(env.nl, name, {.allmulti = false, .txqlen = 1000});
    const link_info back = link::get_link(env.nl, name);
    CHECK((back.flags & IFF_ALLMULTI) == 0);
    CHECK(back.txqlen == 1000);
}

TEST_CASE("errors name the link and, with a context, where it is") {
    ns_env env;
    const std::string missing = test::unique_name("wmi");
    try {
        link::set_up(env.nl, missing);
        FAIL("a missing link was set up");
    } catch (const error& e) {
        CHECK(e.code_value() == ENODEV);
        CHECK(std::string(e.what()).find("set link \"" + missing + "\" up: ") == 0);
    }
    const std::string where = "configure \"" + missing + "\" in " + env.sandbox.path();
    try {
        with_context(where, [&] { link::change(env.nl, missing, {.up = true, .arp_notify = true}); });
        FAIL("a missing link was configured");
    } catch (const error& e) {
        CHECK(e.code_value() == ENODEV);
        CHECK(e.operation() == where + ": set link \"" + missing + "\" up arp_notify on");
        CHECK(std::string(e.what()).find(where + ": set link \"" + missing + "\" up arp_notify on: No such device") == 0);
    }
    // What the step returns comes back through with_context; other errors pass unchanged.
    CHECK(with_context(where, [&] { return link::get_link(env.nl, "lo").name; }) == "lo");
    CHECK_THROWS_WITH_AS(with_context(where, [] { throw std::runtime_error("not netlink"); }), "not netlink",
                         std::runtime_error);
    // Removing or looking up what is not there is an answer, not an error.
    CHECK_FALSE(link::remove(env.nl, missing));
    CHECK_FALSE(link::find_link(env.nl, missing));
    message msg = link::change_request(missing, {.up = true});
    CHECK_FALSE(request_unless(env.nl, msg, "set a missing link up", {ENODEV}));
    CHECK_THROWS_AS(request_unless(env.nl, msg, "set a missing link up", {EEXIST}), error);
}

TEST_CASE("filtered link dumps: the ports of a bridge, links of a kind, both") {
    ns_env env;
    const std::string br_a = test::unique_name("wba");
    const std::string br_b = test::unique_name("wbb");
    link::create_bridge(env.nl, {.name = br_a});
    link::create_bridge(env.nl, {.name = br_b});
    const link_info a = link::get_link(env.nl, br_a);
    const link_info b = link::get_link(env.nl, br_b);
    std::set<std::string> on_a, veths;
    for (int i = 0; i < 3; ++i) {
        const std::string host = "wfa" + std::to_string(i), peer = "wfp" + std::to_string(i);
        link::create_veth(env.nl, {.name = host, .peer_name = peer, .master = a.index});
        on_a.insert(host);
        veths.insert({host, peer});
    }
    link::create_veth(env.nl, {.name = "wfb0", .peer_name = "wfq0", .master = b.index});
    veths.insert({"wfb0", "wfq0"});
    auto names = [](const std::vector<link_info>& links) {
        std::set<std::string> out;
        for (const auto& l : links) out.insert(l.name);
        return out;
    };
    auto observed = [&](const std::string& args) {
        std::set<std::string> out;
        for (const auto& l : json::parse(test::run_shell("ip -n " + env.sandbox.name() + " -j link show " + args)))
            out.insert(l["ifname"].get<std::string>());
        return out;
    };

    const auto ports_a = link::list_links(env.nl, {.master = a.index});
    CHECK(names(ports_a) == on_a);
    CHECK(names(ports_a) == observed("master " + br_a));
    for (const auto& l : ports_a) CHECK(l.master == a.index);
    CHECK(names(link::list_links(env.nl, {.kind = "veth"})) == veths);
    CHECK(names(link::list_links(env.nl, {.kind = "veth"})) == observed("type veth"));
    CHECK(names(link::list_links(env.nl, {.kind = "bridge"})) == std::set<std::string>{br_a, br_b});
    CHECK(names(link::list_links(env.nl, {.master = b.index, .kind = "veth"})) == std::set<std::string>{"wfb0"});
    CHECK(link::list_links(env.nl, {.master = b.index, .kind = "bridge"}).empty());
    CHECK(link::list_links(env.nl).size() == veths.size() + 3);  // and the bridges and lo

    // The kernel filtered the dump itself: it marks such replies NLM_F_DUMP_FILTERED.
    message dump = link::list_request({.master = a.index, .kind = "veth"});
    std::size_t replies = 0;
    bool filtered = true;
    env.nl.dump(dump, "list the ports of a bridge", [&](const nlmsghdr& nlh) {
        ++replies;
        filtered = filtered && (nlh.nlmsg_flags & NLM_F_DUMP_FILTERED) != 0;
    });
    CHECK(replies == on_a.size());
    CHECK(filtered);
}

TEST_CASE("bridge VLANs: filtering, add, list, delete") {
    ns_env env;
    const std::string br_name = test::unique_name("wbr");
    const std::string port_name = test::unique_name("wvh");
    link::create_bridge(env.nl, {.name = br_name});
    link::create_veth(env.nl, {.name = port_name, .peer_name = test::unique_name("wvp")});
    const link_info br = link::get_link(env.nl, br_name);
    const link_info port = link::get_link(env.nl, port_name);
    CHECK(ip_link(env, br_name, true)["linkinfo"]["info_data"]["vlan_filtering"] == 0);
    link::set_master(env.nl, port.index, br.index);

    try {
        link::set_vlan_filtering(env.nl, br.index, true);
    } catch (const error& e) {
        // A kernel built without CONFIG_BRIDGE_VLAN_FILTERING refuses the option and every VLAN
        // request; the requests must still fail with that errno, not some framing error.
        REQUIRE(e.code_value() == EOPNOTSUPP);
        MESSAGE("kernel lacks CONFIG_BRIDGE_VLAN_FILTERING: checking only that VLAN requests are refused cleanly");
        CHECK_THROWS_AS(bridge::add_vlan(env.nl, {.ifindex = port.index, .vid = 10}), error);
        CHECK(bridge::list_vlans(env.nl, port.index).empty());
        return;
    }
    CHECK(ip_link(env, br_name, true)["linkinfo"]["info_data"]["vlan_filtering"] == 1);

    bridge::add_vlan(env.nl, {.ifindex = port.index, .vid = 10, .pvid = true, .untagged = true});
    bridge::add_vlan(env.nl, {.ifindex = port.index, .vid = 20});
    const auto vlans = bridge::list_vlans(env.nl, port.index);
    CHECK(std::find(vlans.begin(), vlans.end(), bridge::vlan{.vid = 10, .pvid = true, .untagged = true}) != vlans.end());
    CHECK(std::find(vlans.begin(), vlans.end(), bridge::vlan{.vid = 20}) != vlans.end());
    // The new PVID took over from the default VLAN 1.
    for (const auto& v : vlans) CHECK((v.vid == 10 || !v.pvid));

    const std::string observed = test::run_shell("bridge -n " + env.sandbox.name() + " -j vlan show dev " + port_name);
    const json parsed = json::parse(observed);
    std::set<int> seen_vids;
    for (const auto& dev : parsed) {
        for (const auto& v : dev["vlans"]) seen_vids.insert(v["vlan"].get<int>());
    }
    CHECK(seen_vids.count(10) == 1);
    CHECK(seen_vids.count(20) == 1);

    CHECK(bridge::del_vlan(env.nl, {.ifindex = port.index, .vid = 20}));
    CHECK_FALSE(bridge::del_vlan(env.nl, {.ifindex = port.index, .vid = 20}));
    const auto remaining = bridge::list_vlans(env.nl, port.index);
    CHECK(std::none_of(remaining.begin(), remaining.end(), [](const bridge::vlan& v) { return v.vid == 20; }));

    // The bridge's own VLANs (self), and a bridge created with filtering on.
    bridge::add_vlan(env.nl, {.ifindex = br.index, .vid = 30, .self = true});
    const auto self_vlans = bridge::list_vlans(env.nl, br.index);
    CHECK(std::any_of(self_vlans.begin(), self_vlans.end(), [](const bridge::vlan& v) { return v.vid == 30; }));
    const std::string filtered = test::unique_name("wbr");
    link::create_bridge(env.nl, {.name = filtered, .vlan_filtering = true, .vlan_default_pvid = 5});
    const json data = ip_link(env, filtered, true)["linkinfo"]["info_data"];
    CHECK(data["vlan_filtering"] == 1);
    CHECK(data["vlan_default_pvid"] == 5);
}

TEST_CASE("dummy links, where the kernel has them") {
    ns_env env;
    const std::string name = test::unique_name("wdm");
    try {
        link::create_dummy(env.nl, {.name = name, .mtu = 1300});
    } catch (const error& e) {
        REQUIRE(e.code_value() == EOPNOTSUPP);  // built without CONFIG_DUMMY
        CHECK(e.extack() == "Unknown device type");
        CHECK(std::string(e.what()) == "create dummy \"" + name + "\": Operation not supported (kernel: \"Unknown device type\")");
        return;
    }
    const link_info d = link::get_link(env.nl, name);
    CHECK(d.kind == "dummy");
    CHECK(d.mtu == 1300);
}

TEST_CASE("a dump of 200 links returns every one of them") {
    ns_env env;
    std::set<std::string> created;
    for (int i = 0; i < 100; ++i) {
        // Names are private to the namespace, so they cannot clash with anyone's.
        const std::string a = "wva" + std::to_string(i);
        const std::string b = "wvb" + std::to_string(i);
        link::create_veth(env.nl, {.name = a, .peer_name = b});
        created.insert({a, b});
    }
    const auto links = link::list_links(env.nl);
    std::set<std::string> listed;
    for (const auto& l : links) listed.insert(l.name);
    CHECK(links.size() == 201);  // and lo
    CHECK(listed.count("lo") == 1);
    CHECK(std::includes(listed.begin(), listed.end(), created.begin(), created.end()));
    const std::string count = test::run_shell("ip -n " + env.sandbox.name() + " -o link show | wc -l");
    CHECK(std::stoi(count) == 201);
}
