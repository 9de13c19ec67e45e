#pragma once
// node: what wharfd needs of a Kubernetes Node object: who it is, its pod CIDRs and its addresses.
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"

namespace wharf::kube {

struct node {
    std::string name, uid, resource_version;
    std::vector<net::prefix> pod_cidrs;        // spec.podCIDRs, falling back to spec.podCIDR
    std::vector<net::ip_address> internal_ips;  // status.addresses of type InternalIP
};

// From a Node object. Only metadata.name is required (std::invalid_argument without it); a missing
// spec or status gives empty lists, and a CIDR or address that does not parse is left out (logged).
node parse_node(const nlohmann::json& object);

// Whether two nodes are the same for the network: name, uid, pod CIDRs and internal IPs (not the
// resource version, which every status heartbeat changes).
bool same_network(const node& a, const node& b);

}  // namespace wharf::kube
