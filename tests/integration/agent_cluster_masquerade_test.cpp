// wharfd's cluster masquerade on the real kernel, in a throwaway namespace standing for a node:
// pod traffic to outside the cluster range leaves with the node's address, pod traffic to another
// node's pod range keeps the pod's address; a sync that finds everything right commits nothing; a
// hand-flushed chain or a chain of the wrong priority is made again; the table goes on removal.
// Names are "wcm" + the PID; addresses come from 10.166.0.0/16 (pods and cluster), 10.167.0.0/24
// (outside) and fd00:166::/32.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cluster_masquerade.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"
#include "support/source_address.hpp"

using namespace wharf;
using namespace wharf::test;

namespace {

net::prefix cidr(const char* text) { return *net::prefix::parse(text); }

const agent::cluster_masquerade dual{
    .pod_cidrs = {cidr("10.166.1.0/24"), cidr("fd00:166:1:1::/64")},
    .cluster_cidrs = {cidr("10.166.0.0/16"), cidr("fd00:166:1::/48")},
};

// node: the namespace under test, forwarding. pod (10.166.1.2) hangs off it; peer stands for another
// node's pod (10.166.2.2); outside (10.167.0.2) for the internet.
struct node_world {
    netns_sandbox node{"wcm"};
    netns_sandbox pod{"wcm"};
    netns_sandbox peer{"wcm"};
    netns_sandbox outside{"wcm"};

    node_world() {
        link(pod, "10.166.1.2/24", "10.166.1.1/24");
        link(peer, "10.166.2.2/24", "10.166.2.1/24");
        link(outside, "10.167.0.2/24", "10.167.0.1/24");
        node.script("sysctl -qw net.ipv4.ip_forward=1");
        pod.script("ip route add default via 10.166.1.1");
        peer.script("ip route add default via 10.166.2.1");
        outside.script("ip route add default via 10.167.0.1");
    }

    // A veth between the node and `other`: `inside` on the other end, `gateway` on the node's.
    void link(const netns_sandbox& other, const std::string& inside, const std::string& gateway) {
        const std::string here = unique_name("wcm");
        run_shell("ip -n " + node.name() + " link add " + here + " type veth peer name eth0 netns " + other.name());
        node.script("ip addr add " + gateway + " dev " + here + " && ip link set " + here + " up");
        other.script("ip addr add " + inside + " dev eth0 && ip link set eth0 up && ip link set lo up");
    }

    netlink::socket nf() const { return netns::open_socket(netns::handle::open(node.path()), NETLINK_NETFILTER); }
};

}  // namespace

TEST_CASE("one rule per pod range and family, excluding the cluster range; a second sync commits nothing") {
    node_world w;
    auto nf = w.nf();
    CHECK(agent::sync_cluster_masquerade(nf, dual));
    CHECK(agent::masquerade_comments(nf) ==
          std::vector<std::string>{"wharfd:masq 10.166.1.0/24 !10.166.0.0/16",
                                   "wharfd:masq fd00:166:1:1::/64 !fd00:166:1::/48"});
    const std::string listed = w.node.script("nft list table inet wharf_cluster");
    CHECK(listed.find("ip saddr 10.166.1.0/24 ip daddr != 10.166.0.0/16 ip daddr != 224.0.0.0/4") != std::string::npos);
    CHECK(listed.find("ip6 saddr fd00:166:1:1::/64 ip6 daddr != fd00:166:1::/48") != std::string::npos);
    CHECK(listed.find("type nat hook postrouting priority srcnat") != std::string::npos);
    const std::string generation = w.node.script("nft list ruleset | md5sum");
    CHECK_FALSE(agent::sync_cluster_masquerade(nf, dual));
    CHECK(w.node.script("nft list ruleset | md5sum") == generation);
    CHECK(agent::remove_cluster_masquerade(nf));
    CHECK(w.node.script("nft list tables").find("wharf_cluster") == std::string::npos);
    CHECK_FALSE(agent::remove_cluster_masquerade(nf));
}

TEST_CASE("traffic to outside is masqueraded, traffic to another node's pods keeps the pod's address") {
    node_world w;
    auto nf = w.nf();
    REQUIRE(agent::sync_cluster_masquerade(nf, dual));
    CHECK(source_address_seen(w.pod, w.outside, "10.167.0.2", 18166) == "10.167.0.1");
    CHECK(source_address_seen(w.pod, w.peer, "10.166.2.2", 18166) == "10.166.1.2");
}

TEST_CASE("a flushed chain, a chain of the wrong priority and a changed range are made right") {
    node_world w;
    auto nf = w.nf();
    REQUIRE(agent::sync_cluster_masquerade(nf, dual));
    w.node.script("nft flush chain inet wharf_cluster postrouting");
    CHECK(agent::masquerade_comments(nf).empty());
    CHECK(agent::sync_cluster_masquerade(nf, dual));
    CHECK(agent::masquerade_comments(nf).size() == 2);

    w.node.script("nft delete table inet wharf_cluster && nft add table inet wharf_cluster && "
                "nft add chain inet wharf_cluster postrouting '{ type nat hook postrouting priority 50; }'");
    CHECK(agent::sync_cluster_masquerade(nf, dual));
    CHECK(w.node.script("nft list chain inet wharf_cluster postrouting").find("priority srcnat") != std::string::npos);
    CHECK(agent::masquerade_comments(nf).size() == 2);

    const agent::cluster_masquerade v4_only{.pod_cidrs = {cidr("10.166.3.0/24")}, .cluster_cidrs = dual.cluster_cidrs};
    CHECK(agent::sync_cluster_masquerade(nf, v4_only));
    CHECK(agent::masquerade_comments(nf) == std::vector<std::string>{"wharfd:masq 10.166.3.0/24 !10.166.0.0/16"});
    agent::remove_cluster_masquerade(nf);
}
