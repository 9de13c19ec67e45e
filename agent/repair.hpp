#pragma once
// The agent's repair: what the plugins recorded (bridge's network pieces, portmap's published ports)
// made again in nftables where it is missing, in the calling thread's network namespace.
#include <cstddef>

namespace wharf::agent {

// Runs every plugin's repair once; logs each thing restored and each failure (never throws).
// Returns how many things were restored.
std::size_t repair_once() noexcept;

}  // namespace wharf::agent
