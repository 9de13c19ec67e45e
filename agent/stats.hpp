#pragma once
// What the agent has done since it started, for its metrics endpoint (agent/metrics.hpp). Updated
// by the threads that do the work, read by the one that answers scrapes.
#include <atomic>
#include <cstdint>

namespace wharf::agent {

struct stats {
    std::atomic<std::uint64_t> repair_rounds{0};       // rounds that checked every record
    std::atomic<std::uint64_t> repairs{0};             // things made again (pieces, attachments' ports)
    std::atomic<std::uint64_t> repair_failures{0};     // a plugin's repair that threw
    std::atomic<std::uint64_t> repair_microseconds{0}; // time spent in rounds, in total
    std::atomic<std::uint64_t> reclaimed{0};           // attachments of dead containers released
};

// The agent's one set of counters.
stats& counters() noexcept;

}  // namespace wharf::agent
