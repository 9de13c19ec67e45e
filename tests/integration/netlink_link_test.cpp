// Links against the real kernel, each case inside throwaway namespaces from support/sandbox.hpp.
// `ip -j` serves as an independent observer of what our calls did. Root required: fails otherwise.
#include <doctest/doctest.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "netlink/bridge_port.hpp"
#include "netlink/error.hpp"
#include "netlink/link.hpp"
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

    bridge::set_port(env.nl, {.ifindex = port.index, .hairpin = true, .isolated = true, .learning = false});
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
    bridge::set_port(env.nl, {.ifindex = port.index, .hairpin = false});
    const auto last = bridge::get_port(env.nl, port.index);
    CHECK_FALSE(last->hairpin);
    CHECK(last->isolated);
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
