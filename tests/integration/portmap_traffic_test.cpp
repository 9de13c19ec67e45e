// The portmap plugin with real traffic, chained after our bridge plugin through prevResult, in
// throwaway namespaces: the "host" is a sandbox namespace, an outside namespace is the remote client.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "json/json.hpp"
#include "support/portmap_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

json mapping(unsigned host, unsigned container, const std::string& proto = "tcp", const std::string& host_ip = "") {
    json m = {{"hostPort", host}, {"containerPort", container}, {"protocol", proto}};
    if (!host_ip.empty()) m["hostIP"] = host_ip;
    return m;
}

}  // namespace

TEST_CASE("ADD publishes TCP and UDP ports: remote client, host's own address, 127.0.0.1; CHECK; DEL; DEL twice") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = pw.bridge_conf("pmnet");
    json maps = json::array({mapping(8080, 80), mapping(5353, 53, "udp")});
    attachment a = pw.publish(br, "ctr-a", maps);
    pw.listen(*a.ns, 80, "tcp-a");
    pw.listen(*a.ns, 53, "udp-a");

    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "tcp-a");
    CHECK(pw.udp(out.ns.get(), out.host_ip, 5353) == "udp-a");
    CHECK(pw.tcp(nullptr, out.host_ip, 8080) == "tcp-a");  // the host's own processes, to its own address
    CHECK(pw.tcp(nullptr, "127.0.0.1", 8080) == "tcp-a");  // localhost: route_localnet + masquerade
    CHECK(pw.udp(nullptr, "127.0.0.1", 5353) == "udp-a");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8081).empty());  // not published

    // The lookup goes through maps, not a rule per mapping.
    auto ports = pw.elements("ports4");
    CHECK(ports.size() == 2);
    CHECK(std::count(ports.begin(), ports.end(), "tcp . 0.0.0.0 . 8080 : " + a.ip4 + " . 80") == 1);
    CHECK(pw.table().find("fib daddr type local jump dnat4") != std::string::npos);

    json pm = pw.portmap_conf("pmnet", maps, a.bridge_result);
    auto chk = pw.portmap("CHECK", pm, a);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);

    auto del = pw.portmap("DEL", pw.portmap_conf("pmnet", maps), a);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(pw.elements("ports4").empty());
    CHECK(pw.elements("hairpin4").empty());
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080).empty());
    auto chk2 = pw.portmap("CHECK", pm, a);
    CHECK(chk2.exit_code != 0);
    CHECK(chk2.json()["msg"].get<std::string>().find("not published") != std::string::npos);
    auto again = pw.portmap("DEL", pw.portmap_conf("pmnet", maps), a);
    CHECK_MESSAGE(again.exit_code == 0, again.out, again.err);
    CHECK(pw.w.run("DEL", br, a.ns->path(), a.id).exit_code == 0);
}

TEST_CASE("traffic routed through the host to the container's own address and port is not DNATed") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = pw.bridge_conf("pmroute");
    attachment a = pw.publish(br, "ctr-r", json::array({mapping(8080, 80)}));
    pw.listen(*a.ns, 80, "mapped");
    pw.listen(*a.ns, 8080, "direct");
    pw.route_outside(pw.w.subnet4);
    // Addressed to the container itself, routed by the host: must reach the container's own 8080.
    CHECK(pw.tcp(out.ns.get(), a.ip4, 8080) == "direct");
    // Addressed to the host: published.
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "mapped");
}

TEST_CASE("hostIP restricts a mapping to one host address; 0.0.0.0 means any") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    // A second host address on the outside link.
    std::string base = out.host_ip.substr(0, out.host_ip.rfind('.') + 1);
    std::string second = base + "3";
    std::string dev = pw.w.in_host("ip -o addr show to " + out.host_ip + " | awk '{printf $2}'");
    pw.w.in_host("ip addr add " + second + "/24 dev " + dev);

    json br = pw.bridge_conf("pmhostip");
    attachment a = pw.publish(br, "ctr-h",
                              json::array({mapping(8080, 80, "tcp", out.host_ip), mapping(9090, 90, "tcp", "0.0.0.0"),
                                           mapping(7070, 70, "tcp", "fd00::1")}));
    pw.listen(*a.ns, 80, "eighty");
    pw.listen(*a.ns, 90, "ninety");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "eighty");
    CHECK(pw.tcp(out.ns.get(), second, 8080).empty());
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 9090) == "ninety");
    CHECK(pw.tcp(out.ns.get(), second, 9090) == "ninety");
    // The IPv6 hostIP does not apply to a single-stack container.
    CHECK(pw.elements("ports4").size() == 2);
    CHECK(pw.elements("ports6").empty());
}

TEST_CASE("hairpin: a sibling reaches the port; the container itself only with hairpinMode") {
    for (bool hairpin : {true, false}) {
        CAPTURE(hairpin);
        portmap_world pw;
        const auto& out = pw.w.outside();
        json br = pw.bridge_conf(hairpin ? "pmhair" : "pmnohair", false, hairpin);
        attachment a = pw.publish(br, "ctr-hp", json::array({mapping(8080, 80), mapping(5353, 53, "udp")}));
        attachment sibling = pw.attach(br, "ctr-sib");
        pw.listen(*a.ns, 80, "hp");
        pw.listen(*a.ns, 53, "hpu");
        CHECK(pw.tcp(sibling.ns, out.host_ip, 8080) == "hp");
        CHECK(pw.udp(sibling.ns, out.host_ip, 5353) == "hpu");
        if (hairpin) {
            CHECK(pw.tcp(a.ns, out.host_ip, 8080) == "hp");
            CHECK(pw.udp(a.ns, out.host_ip, 5353) == "hpu");
        } else {
            CHECK(pw.tcp(a.ns, out.host_ip, 8080).empty());  // the bridge does not send a frame back out its port
        }
    }
}

TEST_CASE("IPv6: mappings reach the container's IPv6 address from outside and from the host") {
    portmap_world pw;
    json br = pw.bridge_conf("pmsix", true);
    attachment a = pw.publish(br, "ctr-6", json::array({mapping(8080, 80), mapping(5353, 53, "udp")}));
    REQUIRE_FALSE(a.ip6.empty());
    pw.enable_ipv6_outside(unique_subnet_v6());
    pw.listen(*a.ns, 80, "six");
    pw.listen(*a.ns, 53, "usix");
    const auto& out = pw.w.outside();
    // Fresh IPv6 links settle (neighbour discovery on the new bridge port and the outside link) within
    // a second or two; allow the first connection a bounded number of attempts before asserting.
    std::string first;
    for (int attempt = 0; attempt < 10 && first.empty(); ++attempt) first = pw.tcp(out.ns.get(), pw.host_ip6, 8080);
    CHECK(first == "six");
    CHECK(pw.tcp(out.ns.get(), pw.host_ip6, 8080) == "six");
    CHECK(pw.udp(out.ns.get(), pw.host_ip6, 5353) == "usix");
    CHECK(pw.tcp(nullptr, pw.host_ip6, 8080) == "six");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "six");  // IPv4 too
    CHECK(pw.elements("ports6").size() == 2);
    auto del = pw.portmap("DEL", pw.portmap_conf("pmsix", nullptr), a);
    CHECK(del.exit_code == 0);
    CHECK(pw.elements("ports6").empty());
    CHECK(pw.tcp(out.ns.get(), pw.host_ip6, 8080).empty());
}
