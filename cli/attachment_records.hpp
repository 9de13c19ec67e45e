#pragma once
// What the plugins recorded for one attachment in this host's run directory ($WHARF_RUN_DIR, default
// /run/wharf): the bridge's and the firewall's network pieces, portmap's versioned record of what it
// published, the sysctls it relies on. These are what wharfd, GC and `wharf reconcile` repair from;
// `wharf inspect` shows them. Read only; an attachment with no record gives an empty object.
#include <string>

#include "json/json.hpp"

namespace wharf::cli {

// {"bridge": {"pieces": [...]}, "firewall": {...}, "portmap": {record}, "sysctls": {"owner": ["key=value"]}}
nlohmann::json attachment_records(const std::string& network, const std::string& container_id, const std::string& ifname);

// One line for people: "bridge pieces masq-10.1.0.0_16; portmap record v1 (2 ports); sysctls net/ipv4/ip_forward=1".
std::string records_summary(const nlohmann::json& records);

}  // namespace wharf::cli
