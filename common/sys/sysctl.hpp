#pragma once
// Kernel parameters under /proc/sys, named by their path there ("net/ipv4/ip_forward"). The network
// ones belong to the calling thread's namespace: wrap a call in netns::guard to reach another.
#include <string>
#include <string_view>

namespace wharf::sys::sysctl {

// Throws os_error naming the key; std::invalid_argument for a key that is absolute or climbs out ("..").
void write(std::string_view key, std::string_view value);
// The value with its trailing newline removed.
std::string read(std::string_view key);

}  // namespace wharf::sys::sysctl
