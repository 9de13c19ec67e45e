#pragma once
// The cluster's egress masquerade, owned by wharfd in Kubernetes mode: traffic from this node's pods
// to anything outside the cluster's pod range leaves with the node's address; traffic to other
// nodes' pods keeps the pod's address (the conflist's bridge then runs with ipMasq off, since its
// masquerade would hide pods from each other across nodes). One rule per pod range, in the agent's
// own table, which no plugin touches:
//
//   table inet wharf_cluster {
//     chain postrouting { type nat hook postrouting priority srcnat;
//       ip saddr 10.244.1.0/24 ip daddr != 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade
//       ip6 saddr fd00:10:244:1::/64 ip6 daddr != fd00:10:244::/48 ip6 daddr != ff00::/8 masquerade } }
//
// The table stays when the agent stops, so pods keep their egress while it restarts.
#include <string>
#include <vector>

#include "net/prefix.hpp"
#include "netlink/socket.hpp"

namespace wharf::agent {

inline constexpr const char* cluster_table = "wharf_cluster";

struct cluster_masquerade {
    std::vector<net::prefix> pod_cidrs;      // this node's
    std::vector<net::prefix> cluster_cidrs;  // the whole cluster's, at most one per family
};

// Makes the table hold exactly the rules `m` wants (a pod range without a cluster range of its
// family gets no rule: the caller refuses such options). Reads first and commits only when something differs, then replaces the whole table in one
// batch, so no packet ever sees half of it. `nf` is a NETLINK_NETFILTER socket. Returns whether it
// committed. Throws nft::error with the kernel's message.
bool sync_cluster_masquerade(netlink::socket& nf, const cluster_masquerade& m);

// Removes the table; false when it was not there.
bool remove_cluster_masquerade(netlink::socket& nf);

// The comments of the table's rules, in order ("wharfd:masq 10.244.1.0/24 !10.244.0.0/16"), for
// tests and `wharf inspect`-style reports.
std::vector<std::string> masquerade_comments(netlink::socket& nf);

}  // namespace wharf::agent
