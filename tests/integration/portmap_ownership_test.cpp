// Ownership of published ports: the conflict error, repeated ADD, DEL without portMappings and after
// the container's address was reused, one container on two networks, GC, and the UDP conntrack flush.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "json/json.hpp"
#include "support/portmap_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

json mapping(unsigned host, unsigned container, const std::string& proto = "tcp") {
    return {{"hostPort", host}, {"containerPort", container}, {"protocol", proto}};
}

// A second network in the same host: its own bridge and subnet, no default route.
json other_network(const portmap_world& pw, const std::string& name) {
    json c = pw.bridge_conf(name);
    c["bridge"] = unique_name("wbr");
    c["isDefaultGateway"] = false;
    c["ipam"]["ranges"] = json::array({json::array({{{"subnet", unique_subnet_v4()}}})});
    return c;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

int udp_conntrack_entries(const portmap_world& pw, unsigned port) {
    std::string n = pw.w.in_host("conntrack -L -p udp --orig-port-dst " + std::to_string(port) + " 2>/dev/null | wc -l");
    return std::stoi(n);
}

}  // namespace

TEST_CASE("a host port held by another container is refused naming it; the same container may ADD again") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = pw.bridge_conf("pmown");
    json maps = json::array({mapping(8080, 80)});
    attachment a = pw.publish(br, "ctr-first", maps);
    pw.listen(*a.ns, 80, "first");

    attachment b = pw.attach(br, "ctr-second");
    auto refused = pw.portmap("ADD", pw.portmap_conf("pmown", maps, b.bridge_result), b);
    CHECK(refused.exit_code != 0);
    CHECK(refused.json()["code"] == 100);
    std::string msg = refused.json()["msg"];
    CHECK(msg.find("ctr-first") != std::string::npos);
    CHECK(msg.find("8080") != std::string::npos);
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "first");  // untouched

    // A refused ADD changed nothing, even for its other mappings.
    auto partly = pw.portmap("ADD", pw.portmap_conf("pmown", json::array({mapping(9090, 90), mapping(8080, 80)}), b.bridge_result), b);
    CHECK(partly.json()["code"] == 100);
    CHECK(pw.elements("ports4").size() == 1);

    auto repeat = pw.portmap("ADD", pw.portmap_conf("pmown", maps, a.bridge_result), a);
    CHECK_MESSAGE(repeat.exit_code == 0, repeat.out, repeat.err);
    CHECK(pw.elements("ports4").size() == 1);
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "first");

    // Once the first container goes, the second may publish the port.
    CHECK(pw.portmap("DEL", pw.portmap_conf("pmown", nullptr), a).exit_code == 0);
    auto now = pw.portmap("ADD", pw.portmap_conf("pmown", maps, b.bridge_result), b);
    CHECK_MESSAGE(now.exit_code == 0, now.out, now.err);
    pw.listen(*b.ns, 80, "second");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "second");
}

TEST_CASE("DEL removes exactly its owner's elements: without portMappings, and after its address was reused") {
    portmap_world pw;
    json br = pw.bridge_conf("pmreuse");
    attachment a = pw.publish(br, "ctr-old", json::array({mapping(8080, 80), mapping(5353, 53, "udp")}));
    // The address is reused by another container before the runtime deletes the old one.
    attachment b = a;
    b.id = "ctr-new";
    b.ns = &pw.w.container("wpc");
    auto add_b = pw.portmap("ADD", pw.portmap_conf("pmreuse", json::array({mapping(9090, 80)}), a.bridge_result), b);
    REQUIRE_MESSAGE(add_b.exit_code == 0, add_b.out, add_b.err);

    auto del = pw.portmap("DEL", pw.portmap_conf("pmreuse", nullptr), a);  // no portMappings on DEL
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    auto ports = pw.elements("ports4");
    REQUIRE(ports.size() == 1);
    CHECK(ports[0] == "tcp . 0.0.0.0 . 9090 : " + a.ip4 + " . 80");
    CHECK(pw.elements("hairpin4").size() == 1);  // the new owner's
    auto chk = pw.portmap("CHECK", pw.portmap_conf("pmreuse", json::array({mapping(9090, 80)}), a.bridge_result), b);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    CHECK(pw.portmap("DEL", pw.portmap_conf("pmreuse", nullptr), a).exit_code == 0);  // DEL twice
    CHECK(pw.portmap("DEL", pw.portmap_conf("pmreuse", nullptr), b).exit_code == 0);
    CHECK(pw.elements("ports4").empty());
    CHECK(pw.elements("hairpin4").empty());
}

TEST_CASE("one container on two networks with the same ports: first network keeps the traffic, either DEL leaves the other") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json net1 = pw.bridge_conf("pmnet1");
    json net2 = other_network(pw, "pmnet2");
    json maps = json::array({mapping(8080, 80)});
    attachment a1 = pw.publish(net1, "ctr-two", maps);
    attachment a2 = pw.attach(net2, "ctr-two", a1.ns, "eth1");
    auto add2 = pw.portmap("ADD", pw.portmap_conf("pmnet2", maps, a2.bridge_result), a2);
    REQUIRE_MESSAGE(add2.exit_code == 0, add2.out, add2.err);
    pw.listen(*a1.ns, 80, "both");

    const std::string to1 = "tcp . 0.0.0.0 . 8080 : " + a1.ip4 + " . 80";
    const std::string to2 = "tcp . 0.0.0.0 . 8080 : " + a2.ip4 + " . 80";
    CHECK(pw.elements("ports4") == std::vector<std::string>{to1});
    CHECK(pw.elements("standby4").size() == 1);
    CHECK(pw.portmap("CHECK", pw.portmap_conf("pmnet1", maps, a1.bridge_result), a1).exit_code == 0);
    CHECK(pw.portmap("CHECK", pw.portmap_conf("pmnet2", maps, a2.bridge_result), a2).exit_code == 0);
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "both");

    // DEL of the second attachment leaves the first's mapping.
    CHECK(pw.portmap("DEL", pw.portmap_conf("pmnet2", nullptr), a2).exit_code == 0);
    CHECK(pw.elements("ports4") == std::vector<std::string>{to1});
    CHECK(pw.elements("standby4").empty());

    // Joined again; now DEL of the first: the second attachment's claim takes over.
    REQUIRE(pw.portmap("ADD", pw.portmap_conf("pmnet2", maps, a2.bridge_result), a2).exit_code == 0);
    CHECK(pw.portmap("DEL", pw.portmap_conf("pmnet1", maps), a1).exit_code == 0);
    CHECK(pw.elements("ports4") == std::vector<std::string>{to2});
    CHECK(pw.elements("standby4").empty());
    CHECK(pw.portmap("CHECK", pw.portmap_conf("pmnet2", maps, a2.bridge_result), a2).exit_code == 0);
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "both");
    CHECK(pw.portmap("DEL", pw.portmap_conf("pmnet2", nullptr), a2).exit_code == 0);
    CHECK(pw.elements("ports4").empty());
}

TEST_CASE("GC removes the elements of attachments not in cni.dev/valid-attachments, of its own network only") {
    portmap_world pw;
    json br = pw.bridge_conf("pmgc");
    attachment keep = pw.publish(br, "ctr-keep", json::array({mapping(8080, 80)}));
    attachment gone = pw.publish(br, "ctr-gone", json::array({mapping(8081, 80), mapping(5300, 53, "udp")}));
    json other = other_network(pw, "pmgcother");
    attachment elsewhere = pw.publish(other, "ctr-else", json::array({mapping(8082, 80)}));
    CHECK(pw.elements("ports4").size() == 4);

    json gc = pw.portmap_conf("pmgc", nullptr);
    gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "ctr-keep"}, {"ifname", "eth0"}}});
    cni_call call{.command = "GC", .path = pw.w.cni_path, .set_container_id = false, .set_ifname = false};
    auto r = run_plugin_in(pw.w.host.name(), plugin_path("portmap"), call, gc.dump());
    CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
    auto ports = pw.elements("ports4");
    CHECK(ports.size() == 2);
    CHECK(has(ports, "tcp . 0.0.0.0 . 8080 : " + keep.ip4 + " . 80"));
    CHECK(has(ports, "tcp . 0.0.0.0 . 8082 : " + elsewhere.ip4 + " . 80"));
    CHECK(pw.elements("hairpin4").size() == 2);

    call.command = "STATUS";
    auto st = run_plugin_in(pw.w.host.name(), plugin_path("portmap"), call, pw.portmap_conf("pmgc", nullptr).dump());
    CHECK_MESSAGE(st.exit_code == 0, st.out, st.err);
}

TEST_CASE("stale UDP conntrack entries for a published port are deleted on ADD and on DEL") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = pw.bridge_conf("pmct");
    attachment a = pw.publish(br, "ctr-ct", json::array({mapping(8080, 80)}));  // conntrack now runs in the host
    pw.listen(*a.ns, 53, "fresh");

    // Before the port is published, a client's datagrams to it make an entry toward the host itself.
    pw.udp(out.ns.get(), out.host_ip, 5353, ":40000");
    REQUIRE(udp_conntrack_entries(pw, 5353) >= 1);
    json maps = json::array({mapping(8080, 80), mapping(5353, 53, "udp")});
    auto add = pw.portmap("ADD", pw.portmap_conf("pmct", maps, a.bridge_result), a);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(udp_conntrack_entries(pw, 5353) == 0);
    // The same client (same source port) now reaches the container.
    CHECK(pw.udp(out.ns.get(), out.host_ip, 5353, ":40000") == "fresh");
    CHECK(udp_conntrack_entries(pw, 5353) >= 1);

    auto del = pw.portmap("DEL", pw.portmap_conf("pmct", nullptr), a);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(udp_conntrack_entries(pw, 5353) == 0);
}
