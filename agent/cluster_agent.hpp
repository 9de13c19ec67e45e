#pragma once
// wharfd's Kubernetes mode: the node's part of the cluster network. It watches the cluster's Nodes
// (kube::node_watch) and, each time they change, makes this node match them, in this order:
//   1. waits, and keeps serving, until its own Node has spec.podCIDRs and an InternalIP;
//   2. routes to every other node's pod ranges (routing::pod_router: host-gw, vxlan or auto),
//      withdrawing those of nodes that are gone;
//   3. the cluster masquerade (cluster_masquerade.hpp): pods to outside the cluster leave with the
//      node's address, pods to pods keep theirs;
//   4. --cni-conf-dir/10-wharf.conflist for its own ranges, with the backend's pod MTU and the
//      bridge's masquerade off;
//   5. once, its Node's NetworkUnavailable condition to False (reason WharfIsUp).
// A failed step is logged and the whole sync retried a little later; a step that finds the kernel
// right changes nothing, so a restarted agent (SIGTERM or SIGKILL) leaves running pods alone.
// Everything runs on the caller's thread but the watch, which has its own.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/access.hpp"
#include "kube/client.hpp"
#include "kube/node_watch.hpp"
#include "metrics.hpp"
#include "net/prefix.hpp"
#include "netlink/socket.hpp"
#include "netlink/subscription.hpp"
#include "routing/config.hpp"
#include "routing/pod_router.hpp"
#include "routing/route_monitor.hpp"

namespace wharf::agent {

struct cluster_options {
    kube::api_access access;
    std::string node_name;
    std::vector<net::prefix> cluster_cidrs;  // --cluster-cidr: at most one per family
    routing::backend backend = routing::backend::auto_;
    std::uint32_t vni = 1;
    std::uint16_t vxlan_port = 4789;
    std::string cni_conf_dir = "/etc/cni/net.d";
    std::optional<unsigned> mtu;  // --mtu: overrides the backend's pod MTU in the conflist
};

// "10.244.0.0/16,fd00:10:244::/48": one CIDR per family. Throws std::invalid_argument naming the
// flag for garbage, an empty list or two of one family.
std::vector<net::prefix> parse_cluster_cidrs(std::string_view text);

class cluster_agent {
public:
    explicit cluster_agent(cluster_options options);
    ~cluster_agent();
    cluster_agent(const cluster_agent&) = delete;
    cluster_agent& operator=(const cluster_agent&) = delete;

    // Readable when the Nodes changed: then call on_nodes().
    int nodes_fd() const;
    void on_nodes();
    // Readable when routes, links or neighbours changed in this namespace: then call on_routes().
    int routes_fd() const;
    void on_routes();
    // Someone changed nftables (the caller's monitor saw a foreign commit): the masquerade is checked.
    void on_nftables();
    // Call at least every second: retries a failed sync when due.
    void tick();

    // /readyz: ready once a sync succeeded and while the last one did; the detail says what it waits for.
    health state() const;
    // Prometheus lines for the metrics page.
    std::string render_metrics() const;

private:
    void sync(const char* why);
    bool sync_steps();
    void fail(const std::string& why);

    cluster_options opts_;
    kube::node_watch watch_;
    kube::client api_;
    netlink::subscription routes_;  // routes and links (routing::open_route_monitor)
    netlink::socket nf_;
    std::unique_ptr<routing::pod_router> router_;
    std::vector<net::prefix> router_cidrs_;  // the own ranges router_ was made for
    bool announced_ = false;                 // NetworkUnavailable=False was patched
    bool ready_ = false;
    std::string waiting_for_ = "the first list of Nodes";
    std::optional<std::chrono::steady_clock::time_point> retry_at_;
    std::size_t peers_ = 0;
    std::string skipped_;  // the peers the last plan could not route, and why (logged when it changes)
    std::uint64_t syncs_ = 0, sync_failures_ = 0, route_changes_ = 0;
    double last_sync_seconds_ = 0;
};

}  // namespace wharf::agent
