#pragma once
// What wharfd's reclaim releases, decided by pure functions (unit-tested without a kernel). An
// attachment is released only when it is provably gone: the network namespace its ADD recorded is no
// longer at its path (the path is gone, or holds another namespace: netns/origin.hpp), and either
// the record is from an earlier boot or it is older than the grace period (--reclaim-after). A
// record without the namespace's identity is never released, nor one whose path holds the same
// namespace, whatever its boot says.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "netns/origin.hpp"

namespace wharf::agent {

// "90s", "10m", "1h", "1h30m": one or more whole numbers, each followed by s, m or h. nullopt for
// anything else (empty, a number without a unit, another unit, more than 100 years).
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// "1h30m", "90s": the shortest form parse_duration reads back.
std::string format_duration(std::chrono::seconds d);

struct reclaim_policy {
    // --reclaim-after: also release a gone attachment of this boot once its ADD is this old.
    // nullopt (the default): only attachments recorded during an earlier boot.
    std::optional<std::chrono::seconds> after;
};

struct verdict {
    bool release = false;
    std::string reason;  // for the log: "its network namespace /run/netns/x is gone and ..."
};

// Whether to release the attachment recorded with `o`, whose namespace path now shows `seen`,
// while the current boot is `boot_id` and the time `now` (seconds since the epoch).
verdict judge(const netns::origin& o, netns::presence seen, std::string_view boot_id, std::int64_t now,
              const reclaim_policy& policy);

}  // namespace wharf::agent
