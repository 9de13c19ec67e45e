#pragma once
// Reading a CNI result (any 0.3.0+ shape) for display: which addresses are the container's, which
// interfaces are on the host side.
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace wharf::cli {

// Addresses ("10.77.0.2/16") of interfaces inside the sandbox (or not tied to an interface).
std::vector<std::string> sandbox_addresses(const nlohmann::json& result);
// Names of host-side interfaces the result lists (no "sandbox"): e.g. the bridge and the host veth.
std::vector<std::string> host_interfaces(const nlohmann::json& result);
// The first gateway the result gives, or empty.
std::string first_gateway(const nlohmann::json& result);

}  // namespace wharf::cli
