#pragma once
// Tells Kubernetes that this node's network is up: the NetworkUnavailable condition set to False,
// as flannel and calico do once their routes are in place.
#include <string>

#include "kube/client.hpp"

namespace wharf::kube {

// A strategic-merge PATCH of /api/v1/nodes/NAME/status (merged into status.conditions by type)
// setting NetworkUnavailable=False with `reason`, `message` and both times now. Throws as client does.
void set_network_available(client& api, const std::string& node_name, const std::string& reason = "WharfIsUp",
                           const std::string& message = "wharfd is running on this node");

}  // namespace wharf::kube
