#pragma once
// The tuning plugin's sysctl keys ("net.ipv4.conf.IFNAME.arp_notify"): checked once, where the config
// is read, so that every key names a file under /proc/sys/net/ of the container's namespace and
// nothing else; and the duplicates that a parsed JSON document no longer shows.
#include <optional>
#include <string>
#include <string_view>

namespace wharf::tuning {

// Why `key` cannot be a sysctl key of the tuning config, or empty when it can. As the reference
// reads a key, '.' and '/' both separate its parts; a key must start with "net" and have at least
// one more part, and no part may be empty, "." or "..", nor hold white space or control characters.
std::string sysctl_key_problem(std::string_view key);

// The key's path under /proc/sys for interface `ifname` ("net/ipv4/conf/eth0/arp_notify"): parts
// joined by '/', the first "IFNAME" replaced by `ifname` (as the reference does, after the dots, so
// an interface "eth0.100" stays one part). `key` must pass sysctl_key_problem and `ifname` be a
// valid interface name; a path that would still leave /proc/sys/net/ throws std::invalid_argument.
std::string sysctl_path(std::string_view key, std::string_view ifname);

// The first key that appears twice in the config's "sysctl" object or in "args"."cni"."sysctl"
// (object keys matched as cni::find_field matches them), or nullopt. `stdin_data` is the config
// as received; a document that is not JSON yields nullopt (parse_net_conf reports it).
std::optional<std::string> duplicate_sysctl_key(std::string_view stdin_data);

}  // namespace wharf::tuning
