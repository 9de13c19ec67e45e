#pragma once
// The node's conflist: what wharfd writes into --cni-conf-dir from the node's pod ranges (--pod-cidr,
// or in Kubernetes mode its Node's spec.podCIDRs). Network "wharf", spec 1.1.0: bridge (wharf0,
// gateway, masquerade unless the agent owns it, hairpin) with one host-local range per pod CIDR in the given order,
// a default route per family, then portmap. Written atomically and only when its bytes change; never
// removed, since a node without a conflist is NotReady to kubelet.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/prefix.hpp"

namespace wharf::agent {

inline constexpr const char* conflist_name = "10-wharf.conflist";

// A refused --pod-cidr or --mtu; what() says which value and why.
struct conflist_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct conflist_options {
    std::vector<net::prefix> pod_cidrs;  // one per family, canonical, in the node's order
    std::optional<unsigned> mtu;
    // The bridge's ipMasq. Off in Kubernetes mode, where the agent masquerades once per node and
    // keeps pod-to-pod traffic between nodes unmasqueraded (cluster_masquerade.hpp).
    bool bridge_masquerade = true;
};

// "10.244.1.0/24,fd00:10:244:1::/64": one CIDR per family, comma-separated; host bits are dropped
// (10.244.1.7/24 is 10.244.1.0/24). Throws conflist_error for garbage, an empty list or item, two of
// one family, or a range too small for a gateway and a pod.
std::vector<net::prefix> parse_pod_cidrs(std::string_view text);

// A decimal MTU from 68 to 65535 (1280 at least when a pod CIDR is IPv6: checked by render_conflist).
unsigned parse_mtu(std::string_view text);

// The conflist's JSON text, ending in a newline; the same options give the same bytes.
std::string render_conflist(const conflist_options& opts);

// Writes `content` as `conf_dir`/10-wharf.conflist (mode 0644; the directory is made when missing)
// unless it already holds exactly these bytes. Returns whether it wrote.
bool write_conflist(const std::string& conf_dir, std::string_view content);

}  // namespace wharf::agent
