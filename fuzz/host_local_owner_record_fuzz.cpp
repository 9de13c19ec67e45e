// host-local's owner records (.wharf-own.<id>@<ifname>) as the disk may hold them (a crash, another
// version, a person), read as wharfd's reclaim reads them: parse_owner_record. An accepted record
// must survive format_owner_record and a second parse unchanged. The namespace path is never opened
// here: observing it is the agent's, on records its own plugins wrote.
#include <cstdlib>

#include "fuzz_input.hpp"
#include "owner_record.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto record = ipam::parse_owner_record(fuzz::text(data, size));
    if (!record) return 0;
    const auto again = ipam::parse_owner_record(ipam::format_owner_record(*record));
    if (!again || again->container_id != record->container_id || again->ifname != record->ifname ||
        again->origin.netns != record->origin.netns || !(again->origin.id == record->origin.id) ||
        again->origin.boot_id != record->origin.boot_id || again->origin.added_at != record->origin.added_at)
        std::abort();
    return 0;
}
