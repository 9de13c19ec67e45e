#pragma once
// host-local's owner record: who holds an attachment's addresses and where it lived, kept beside the
// reservations in the persistent dataDir, so that wharfd can release the addresses of a container
// that died without a DEL (docs/wharfd.md). One file per attachment:
//   <dataDir>/<network>/.wharf-own.<id>@<ifname>
//   {"version": 1, "containerId": "...", "ifname": "eth0", "netns": "/run/netns/x", "netnsDev": 4,
//    "netnsIno": 4026532178, "netnsCookie": 12, "bootId": "...", "addedAt": 1796000000}
// The reference plugin ignores it: its name is no address, and its scans (which walk the whole
// directory) release or report only files whose trimmed content is "<id>\r\n<ifname>" or "<id>",
// which a JSON object never is.
#include <optional>
#include <string>
#include <string_view>

#include "netns/origin.hpp"

namespace wharf::ipam {

inline constexpr int owner_record_version = 1;

struct owner_record {
    std::string container_id;
    std::string ifname;
    netns::origin origin;
};

std::string format_owner_record(const owner_record& r);
// nullopt for anything but an object of this version with string "containerId" (not empty),
// "ifname" and "netns"; the origin's other fields are optional (netns::get_fields).
std::optional<owner_record> parse_owner_record(std::string_view text);

}  // namespace wharf::ipam
