// A network's shared nftables state (the bridge's masq-<subnet> chain and isolation entries,
// portmap's hp-<subnet> chain) lives exactly as long as an attachment uses it: made by the first
// ADD, removed by the DEL that leaves it unused, kept while another network shares the subnet or the
// bridge, and never lost by an ADD that races the last DEL. In throwaway namespaces, with the
// bridge and portmap plugins chained as a runtime runs them.
#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "json/json.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "nft/list.hpp"
#include "support/portmap_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

// The host sandbox's ruleset in nft's own words.
std::string ruleset_text(const bridge_world& w) { return w.in_host("nft list ruleset"); }

// "10.1.2.0/24" -> "10.1.2.0_24", as chain names spell a subnet.
std::string chain_spelling(std::string subnet) {
    for (char& c : subnet)
        if (c == '/') c = '_';
    return subnet;
}

// What a network leaves in nftables that is named after its subnet or bridge.
void check_nothing_names(const bridge_world& w, const std::string& subnet, const std::string& bridge) {
    const std::string rules = ruleset_text(w);
    INFO(rules);
    CHECK(rules.find(subnet.substr(0, subnet.find('/'))) == std::string::npos);
    CHECK(rules.find(chain_spelling(subnet)) == std::string::npos);
    CHECK(rules.find("\"" + bridge + "\"") == std::string::npos);
    CHECK(rules.find("comment \"wharf:") == std::string::npos);
}

// The host sandbox's ruleset generation: it moves with every commit that changes anything.
std::uint32_t generation_in(const bridge_world& w) {
    auto host = wharf::netns::handle::open(w.host.path());
    wharf::netlink::socket sock = [&] {
        wharf::netns::guard inside(host);
        return wharf::netlink::socket::open(NETLINK_NETFILTER);
    }();
    return wharf::nft::generation(sock);
}

json lifecycle_conf(const portmap_world& pw, const std::string& network) {
    json c = pw.bridge_conf(network, false, true);
    c["ipMasq"] = true;
    c["isolation"] = true;
    return c;
}

}  // namespace

TEST_CASE("the subnet chain, the bridge's isolation entries and the hairpin chain go with the last container") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = lifecycle_conf(pw, "life");
    const json maps = json::array({{{"hostPort", 8080}, {"containerPort", 80}}});
    attachment a = pw.publish(br, "ctr-a", maps);
    attachment b = pw.publish(br, "ctr-b", json::array({{{"hostPort", 8081}, {"containerPort", 80}}}));
    const std::string chain = "masq-" + chain_spelling(pw.w.subnet4);
    CHECK(ruleset_text(pw.w).find("chain " + chain) != std::string::npos);
    CHECK(ruleset_text(pw.w).find("chain hp-" + chain_spelling(pw.w.subnet4)) != std::string::npos);

    // The first container goes: what the second relies on stays.
    CHECK(pw.portmap("DEL", pw.portmap_conf("life", maps), a).exit_code == 0);
    CHECK(pw.w.run("DEL", br, a.ns->path(), a.id).exit_code == 0);
    CHECK(ruleset_text(pw.w).find("chain " + chain) != std::string::npos);
    auto chk = pw.w.run("CHECK", with_prev(br, b.bridge_result), b.ns->path(), b.id);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    CHECK(pings(*b.ns, out.outside_ip));
    pw.listen(*b.ns, 80, "still-here");
    CHECK(pw.tcp(b.ns, out.host_ip, 8081) == "still-here");  // hairpin through its own host port

    // The last one goes: nothing named after the subnet or the bridge remains.
    CHECK(pw.portmap("DEL", pw.portmap_conf("life", json()), b).exit_code == 0);
    CHECK(pw.w.run("DEL", br, b.ns->path(), b.id).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);
    // DEL again, and GC, on an empty network: fine, and still nothing.
    CHECK(pw.w.run("DEL", br, b.ns->path(), b.id).exit_code == 0);
    CHECK(pw.portmap("DEL", pw.portmap_conf("life", json()), b).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);

    // And a new first container brings everything back.
    attachment c = pw.publish(br, "ctr-c", maps);
    CHECK(pw.w.run("CHECK", with_prev(br, c.bridge_result), c.ns->path(), c.id).exit_code == 0);
    CHECK(pings(*c.ns, out.outside_ip));
    CHECK(pw.portmap("DEL", pw.portmap_conf("life", maps), c).exit_code == 0);
    CHECK(pw.w.run("DEL", br, c.ns->path(), c.id).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);
}

TEST_CASE("on a network that has its rules, an ADD and a DEL without published ports commit nothing") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = lifecycle_conf(pw, "warm");
    attachment first = pw.attach(br, "ctr-first");  // makes the network's masquerade and isolation
    const std::uint32_t before = generation_in(pw.w);
    const netns_sandbox& ns = pw.w.container("wwm");
    auto add = pw.w.run("ADD", br, ns.path(), "ctr-warm");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(generation_in(pw.w) == before);
    CHECK(pings(ns, out.outside_ip));  // masqueraded all the same
    auto chk = pw.w.run("CHECK", with_prev(br, add.json()), ns.path(), "ctr-warm");
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    CHECK(pw.w.run("DEL", br, ns.path(), "ctr-warm").exit_code == 0);
    CHECK(generation_in(pw.w) == before);
    CHECK(pings(*first.ns, out.outside_ip));

    // The spoof check is per container: it commits, and only its own entries.
    json spoof = br;
    spoof["macspoofchk"] = true;
    auto sadd = pw.w.run("ADD", spoof, ns.path(), "ctr-spoof");
    REQUIRE_MESSAGE(sadd.exit_code == 0, sadd.out, sadd.err);
    CHECK(generation_in(pw.w) != before);
    CHECK(pw.w.run("DEL", spoof, ns.path(), "ctr-spoof").exit_code == 0);
    CHECK(pw.w.run("DEL", br, first.ns->path(), first.id).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);
}

TEST_CASE("a flushed ruleset is made again by the next ADD; CHECK says what is missing meanwhile") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = lifecycle_conf(pw, "flushed");
    attachment a = pw.attach(br, "ctr-a");
    pw.w.in_host("nft flush ruleset");
    auto chk = pw.w.run("CHECK", with_prev(br, a.bridge_result), a.ns->path(), a.id);
    CHECK(chk.exit_code != 0);
    CHECK(chk.json()["msg"].get<std::string>().find("masq-" + chain_spelling(pw.w.subnet4)) != std::string::npos);
    attachment b = pw.attach(br, "ctr-b");
    CHECK(pw.w.run("CHECK", with_prev(br, a.bridge_result), a.ns->path(), a.id).exit_code == 0);
    CHECK(pings(*a.ns, out.outside_ip));
    CHECK(pw.w.run("DEL", br, a.ns->path(), a.id).exit_code == 0);
    CHECK(pw.w.run("DEL", br, b.ns->path(), b.id).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);
}

TEST_CASE("two networks sharing a bridge and a subnet do not remove each other's rules") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json one = lifecycle_conf(pw, "share1");
    json two = lifecycle_conf(pw, "share2");
    const std::string base = pw.w.subnet4.substr(0, pw.w.subnet4.rfind('.') + 1);
    one["ipam"]["ranges"][0][0]["rangeStart"] = base + "10";
    one["ipam"]["ranges"][0][0]["rangeEnd"] = base + "50";
    two["ipam"]["ranges"][0][0]["rangeStart"] = base + "100";
    two["ipam"]["ranges"][0][0]["rangeEnd"] = base + "150";
    attachment a = pw.attach(one, "ctr-1");
    attachment b = pw.attach(two, "ctr-2");
    CHECK(a.ip4 != b.ip4);

    CHECK(pw.w.run("DEL", one, a.ns->path(), a.id).exit_code == 0);
    auto chk = pw.w.run("CHECK", with_prev(two, b.bridge_result), b.ns->path(), b.id);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    CHECK(pings(*b.ns, out.outside_ip));
    CHECK(ruleset_text(pw.w).find("\"" + pw.w.bridge + "\"") != std::string::npos);  // still isolated

    CHECK(pw.w.run("DEL", two, b.ns->path(), b.id).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);
}

TEST_CASE("an ADD racing the network's last DEL always ends with its rules in place") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = lifecycle_conf(pw, "race");
    // Each container publishes a host port of its own: the race is over the network's shared pieces
    // (masquerade and hairpin chains), and a new container taking the leaving one's port would be a
    // real conflict whenever its ADD happens to run before that DEL.
    auto maps_of = [](int i) { return json::array({{{"hostPort", 8080 + i}, {"containerPort", 80}}}); };
    attachment last = pw.publish(br, "ctr-0", maps_of(0));
    constexpr int rounds = 8;
    for (int i = 1; i <= rounds; ++i) {
        CAPTURE(i);
        const netns_sandbox& ns = pw.w.container("wrc");
        const std::string id = "ctr-" + std::to_string(i);
        run_result del_pm, del_br, add_br, add_pm;
        std::thread leaving([&] {
            del_pm = pw.portmap("DEL", pw.portmap_conf("race", maps_of(i - 1)), last);
            del_br = pw.w.run("DEL", br, last.ns->path(), last.id);
        });
        std::thread coming([&] {
            add_br = pw.w.run("ADD", br, ns.path(), id);
            if (add_br.exit_code == 0)
                add_pm = pw.portmap("ADD", pw.portmap_conf("race", maps_of(i), add_br.json()), ns.path(), id);
        });
        leaving.join();
        coming.join();
        REQUIRE_MESSAGE(del_pm.exit_code == 0, del_pm.out, del_pm.err);
        REQUIRE_MESSAGE(del_br.exit_code == 0, del_br.out, del_br.err);
        REQUIRE_MESSAGE(add_br.exit_code == 0, add_br.out, add_br.err);
        REQUIRE_MESSAGE(add_pm.exit_code == 0, add_pm.out, add_pm.err);

        auto chk = pw.w.run("CHECK", with_prev(br, add_br.json()), ns.path(), id);
        CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
        auto pchk = pw.portmap("CHECK", pw.portmap_conf("race", maps_of(i), add_br.json()), ns.path(), id);
        CHECK_MESSAGE(pchk.exit_code == 0, pchk.out, pchk.err);
        const std::string rules = ruleset_text(pw.w);
        CHECK(rules.find("chain masq-" + chain_spelling(pw.w.subnet4)) != std::string::npos);
        CHECK(rules.find("chain hp-" + chain_spelling(pw.w.subnet4)) != std::string::npos);
        CHECK(pings(ns, out.outside_ip));

        last.ns = &ns;
        last.id = id;
        last.bridge_result = add_br.json();
        last.ip4 = ip_of(last.bridge_result);
    }
    CHECK(pw.portmap("DEL", pw.portmap_conf("race", maps_of(rounds)), last).exit_code == 0);
    CHECK(pw.w.run("DEL", br, last.ns->path(), last.id).exit_code == 0);
    check_nothing_names(pw.w, pw.w.subnet4, pw.w.bridge);
}
