#pragma once
// The container ID `wharf add|check|del` uses when CNI_CONTAINERID is not set: cnitool's own rule,
// "cnitool-" + hex of the first 10 bytes of SHA-512(absolute netns path), so that wharf and cnitool
// address the same attachment (and cache entry) for the same namespace.
#include <string>

namespace wharf::cli {

std::string container_id_for_netns(const std::string& absolute_netns_path);

// The container ID of a named sandbox: "wharf-" + name.
std::string container_id_for_sandbox(const std::string& sandbox_name);

}  // namespace wharf::cli
