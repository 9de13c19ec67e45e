#pragma once
// The agent's reclaim: releases what containers that died without a DEL left behind (host-local's
// addresses in its dataDirs, portmap's published ports), as their DELs would have, when
// reclaim_policy's judge() says they are provably gone. Logs every release; a dry run logs what it
// would release and changes nothing.
#include <cstddef>
#include <string>
#include <vector>

#include "reclaim_policy.hpp"

namespace wharf::agent {

inline constexpr const char* default_ipam_dir = "/var/lib/cni/networks";
// How often the agent's loop runs a pass (reclaim_when_due).
inline constexpr std::chrono::seconds reclaim_period{60};

struct reclaim_options {
    reclaim_policy policy;
    bool dry_run = false;
    std::vector<std::string> ipam_dirs;  // host-local dataDirs; empty: default_ipam_dir
};

// One pass over every record. Never throws: a failure is logged and the pass goes on. Returns how
// many attachments it released (in a dry run: would have).
std::size_t reclaim_once(const reclaim_options& opts) noexcept;

// reclaim_once() when no pass ran yet in this process or the last one is reclaim_period old.
void reclaim_when_due(const reclaim_options& opts) noexcept;

}  // namespace wharf::agent
