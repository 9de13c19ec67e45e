#include "cluster_agent.hpp"

#include <unistd.h>

#include <cstdint>
#include <stdexcept>

#include "cluster_masquerade.hpp"
#include "conflist.hpp"
#include "kube/node_status.hpp"
#include "log/logging.hpp"

namespace wharf::agent {

namespace {

// After a failed sync, the next try comes this much later (the watch's own back-off covers the API).
constexpr auto retry_delay = std::chrono::seconds(2);

std::string join(const std::vector<net::prefix>& cidrs) {
    std::string out;
    for (const auto& c : cidrs) out += (out.empty() ? "" : ",") + c.to_string();
    return out;
}

routing::peer to_peer(const kube::node& n) {
    return routing::peer{.name = n.name, .uid = n.uid, .pod_cidrs = n.pod_cidrs, .internal_ips = n.internal_ips};
}

}  // namespace

std::vector<net::prefix> parse_cluster_cidrs(std::string_view text) {
    if (text.empty()) throw std::invalid_argument("--cluster-cidr: no CIDR given");
    std::vector<net::prefix> out;
    for (;;) {
        const auto comma = text.find(',');
        const std::string item(text.substr(0, comma));
        const auto p = item.find('/') == std::string::npos ? std::nullopt : net::prefix::parse(item);
        if (!p) throw std::invalid_argument("--cluster-cidr: \"" + item + "\" is no CIDR (10.244.0.0/16, fd00:10:244::/48)");
        for (const auto& seen : out)
            if (seen.fam() == p->fam())
                throw std::invalid_argument("--cluster-cidr: " + seen.to_string() + " and " + item +
                                            " are of one family: give at most one IPv4 and one IPv6 CIDR");
        out.push_back(p->canonical());
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

cluster_agent::cluster_agent(cluster_options options)
    : opts_(std::move(options)),
      watch_(opts_.access),
      api_(opts_.access),
      routes_(routing::open_route_monitor()),
      nf_(netlink::socket::open(NETLINK_NETFILTER)) {
    log::info("wharfd: Kubernetes mode: node {}, cluster {}, backend {}, API {}", opts_.node_name,
              join(opts_.cluster_cidrs), routing::to_string(opts_.backend), opts_.access.server);
}

cluster_agent::~cluster_agent() = default;

int cluster_agent::nodes_fd() const { return watch_.changed_fd(); }
int cluster_agent::routes_fd() const { return routes_.fd(); }

void cluster_agent::on_nodes() {
    std::uint64_t count = 0;
    while (::read(watch_.changed_fd(), &count, sizeof count) == sizeof count) {
    }
    sync("the Nodes changed");
}

void cluster_agent::on_routes() {
    routes_.drain();
    if (router_) sync("routes or links changed");
}

void cluster_agent::on_nftables() {
    if (ready_) sync("nftables changed");
}

void cluster_agent::tick() {
    if (retry_at_ && std::chrono::steady_clock::now() >= *retry_at_) sync("retrying");
}

void cluster_agent::fail(const std::string& why) {
    ready_ = false;
    waiting_for_ = why;
    ++sync_failures_;
    retry_at_ = std::chrono::steady_clock::now() + retry_delay;
}

void cluster_agent::sync(const char* why) {
    const auto start = std::chrono::steady_clock::now();
    log::debug("wharfd: cluster sync: {}", why);
    const bool first = !announced_;
    try {
        if (!sync_steps()) return;  // waiting: the watch wakes us
        ++syncs_;
        ready_ = true;
        waiting_for_.clear();
        retry_at_.reset();
        last_sync_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (first)
            log::info("wharfd: in sync with the cluster ({} other node(s), {} route change(s), {:.1f} ms); Node {} "
                      "NetworkUnavailable=False",
                      peers_, route_changes_, last_sync_seconds_ * 1000, opts_.node_name);    } catch (const std::exception& e) {
        log::warn("wharfd: cluster sync failed ({}), again in {} s: {}", why, retry_delay.count(), e.what());
        fail(e.what());
    }
}

bool cluster_agent::sync_steps() {
    if (!watch_.synced()) {
        ready_ = false;
        waiting_for_ = "the first list of Nodes";
        return false;
    }
    const auto nodes = watch_.snapshot();
    const auto self = nodes.find(opts_.node_name);
    const auto wait = [this](std::string why) {
        if (why != waiting_for_) log::info("wharfd: waiting for {}", why);
        ready_ = false;
        waiting_for_ = std::move(why);
        return false;
    };
    if (self == nodes.end()) return wait("Node " + opts_.node_name + " to exist");
    if (self->second.pod_cidrs.empty())
        return wait("Node " + opts_.node_name + " to get spec.podCIDRs (the controller manager allocates them with --allocate-node-cidrs)");
    if (self->second.internal_ips.empty()) return wait("Node " + opts_.node_name + " to report an InternalIP");

    const auto& own = self->second;
    if (!router_ || router_cidrs_ != own.pod_cidrs) {
        router_ = std::make_unique<routing::pod_router>(routing::router_config{
            .mode = opts_.backend,
            .node_name = own.name,
            .own_pod_cidrs = own.pod_cidrs,
            .own_ips = own.internal_ips,
            .vni = opts_.vni,
            .vxlan_port = opts_.vxlan_port,
        });
        router_cidrs_ = own.pod_cidrs;
    }
    std::vector<routing::peer> peers;
    for (const auto& [name, n] : nodes)
        if (name != opts_.node_name) peers.push_back(to_peer(n));
    route_changes_ += router_->sync(peers);
    peers_ = peers.size();
    std::string skipped;
    for (const auto& s : router_->last_plan().skipped) skipped += (skipped.empty() ? "" : "; ") + s.peer + ": " + s.reason;
    if (skipped != skipped_) log::warn("wharfd: not routed: {}", skipped.empty() ? "none any more" : skipped);
    skipped_ = std::move(skipped);

    sync_cluster_masquerade(nf_, {.pod_cidrs = own.pod_cidrs, .cluster_cidrs = opts_.cluster_cidrs});
    write_conflist(opts_.cni_conf_dir, render_conflist({.pod_cidrs = own.pod_cidrs,
                                                        .mtu = opts_.mtu ? *opts_.mtu : router_->pod_mtu(),
                                                        .bridge_masquerade = false}));
    if (!announced_) {
        kube::set_network_available(api_, opts_.node_name);
        announced_ = true;
    }
    return true;
}

health cluster_agent::state() const {
    return {.live = true, .ready = ready_, .detail = ready_ ? "" : "waiting for " + waiting_for_};
}

std::string cluster_agent::render_metrics() const {
    std::string out;
    const auto line = [&out](const char* name, const char* type, const char* help, double value) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
    };
    line("wharfd_cluster_ready", "gauge", "1 when the node is in sync with the cluster.", ready_ ? 1 : 0);
    line("wharfd_cluster_peers", "gauge", "Other nodes seen in the cluster.", static_cast<double>(peers_));
    line("wharfd_cluster_syncs_total", "counter", "Syncs with the cluster that succeeded.", static_cast<double>(syncs_));
    line("wharfd_cluster_sync_failures_total", "counter", "Syncs with the cluster that failed (see the log).", static_cast<double>(sync_failures_));
    line("wharfd_cluster_route_changes_total", "counter", "Routes, neighbours and FDB entries changed to match the cluster.", static_cast<double>(route_changes_));
    line("wharfd_cluster_last_sync_seconds", "gauge", "How long the last successful sync took.", last_sync_seconds_);
    return out;
}

}  // namespace wharf::agent
