#pragma once
// The picture `wharf inspect --dot` and `wharf net inspect --dot` print: a Graphviz digraph with the
// host's namespace as one cluster (bridges with their addresses, host-side veths, published ports)
// and one cluster per container namespace (its interfaces and addresses), the veth pairs as edges
// between the two ends and each published port as an edge to the interface it is forwarded to.
// The inspect commands fill the model from the kernel and the result cache; this file only writes.
#include <string>
#include <string_view>
#include <vector>

#include "cli/port_mapping.hpp"

namespace wharf::cli {

struct topology_bridge {
    std::string name;
    bool present = false;                // false: configured, not created yet
    std::vector<std::string> addresses;  // on the bridge: the gateways
    std::vector<std::string> ports;      // host interfaces enslaved to it, as the kernel lists them
};

struct topology_interface {
    std::string name;  // "eth0"
    std::vector<std::string> addresses;
    std::string host_veth;            // the veth's end in the host namespace; empty when none
    std::string bridge;               // the bridge that end is on; empty when none
    std::vector<port_mapping> ports;  // published to this interface's addresses
};

struct topology_namespace {
    std::string sandbox;       // wharf's sandbox name; empty when not one of ours
    std::string container_id;
    std::string netns;         // path
    std::vector<topology_interface> interfaces;
};

struct topology {
    std::string title;  // "network wharf"
    std::vector<topology_bridge> bridges;
    std::vector<topology_namespace> namespaces;
};

// `text` as a DOT double-quoted string: quotes and backslashes escaped, a line break as the label
// escape \n, other control characters dropped.
std::string dot_quoted(std::string_view text);

// The digraph, ending in a newline. Node names are generated ("bridge0", "ns1_if0"), never taken from
// the input, so only labels carry names and dot_quoted makes every one of them safe.
std::string to_dot(const topology& t);

}  // namespace wharf::cli
