#pragma once
// A small cluster's network for pod routing tests: an "underlay" namespace with two bridges (two L2
// segments) that also routes between them, and three "node" namespaces, each with a veth (eth0) on a
// segment and a veth (pods) holding the first address of its pod ranges, which stands for its pods.
//
//   segment A: 10.150.0.0/16, fd00:150::/64     nodes 1 and 2 (10.150.0.N, fd00:150::N), router .254 / ::fe
//   segment B: 10.152.0.0/16, fd00:150:2::/64   node 3 (10.152.0.3, fd00:150:2::3), router .254 / ::fe
//   node N's pod ranges: 10.151.N.0/24 and fd00:150:1:N::/64; its pods answer on .1 and ::1
//
// Every namespace is named after this process (prefix "wpr") and removed with the world.
#include <memory>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"

namespace wharf::test {

struct pod_routing_node {
    int number = 0;
    std::string node_name;           // the Kubernetes Node name, "node-N"
    std::unique_ptr<netns_sandbox> ns;
    netns::handle handle;
    netlink::socket nl;              // bound in the node's namespace
    net::ip_address ip4, ip6;        // InternalIPs
    net::prefix pod4, pod6;          // pod ranges
    net::ip_address pod_ip4, pod_ip6;  // the pods' stand-in addresses

    // Runs `command` in the node's namespace; its stdout.
    std::string exec(const std::string& command, int* exit_code = nullptr) const { return ns->exec(command, exit_code); }
    // One ping from this node's pod address to `to` (IPv4 or IPv6), with `size` payload bytes and,
    // when `dont_fragment`, DF set; tried up to three times (the first may wait for ARP/NDP).
    bool ping(const net::ip_address& to, int size = 56, bool dont_fragment = false) const;
    // One ping, waiting a second for the answer: true when none came (for what must not get through).
    bool no_answer(const net::ip_address& to, int size = 56, bool dont_fragment = false) const;
};

class pod_routing_world {
public:
    pod_routing_world();
    pod_routing_world(const pod_routing_world&) = delete;
    pod_routing_world& operator=(const pod_routing_world&) = delete;

    // Nodes 1 to 3.
    pod_routing_node& node(int number) { return *nodes_.at(static_cast<std::size_t>(number - 1)); }
    const netns_sandbox& underlay() const { return *underlay_; }

private:
    std::unique_ptr<netns_sandbox> underlay_;
    std::vector<std::unique_ptr<pod_routing_node>> nodes_;
};

}  // namespace wharf::test
