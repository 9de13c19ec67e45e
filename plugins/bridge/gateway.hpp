#pragma once
// What isGateway / isDefaultGateway make of an IPAM result (as the reference's calcGateways): every
// address points at the container interface (index 2); a missing gateway becomes the subnet's first
// address; a default route per family via that gateway unless IPAM already routes the default.
#include <vector>

#include "bridge_conf.hpp"
#include "cni/result.hpp"
#include "net/prefix.hpp"

namespace wharf::bridge {

inline constexpr int container_interface_index = 2;

// Updates `r` in place and returns the gateway addresses for the bridge (gateway/length).
std::vector<net::prefix> apply_gateways(cni::result& r, const bridge_conf& conf);

}  // namespace wharf::bridge
