#pragma once
// The kernel's ID of the current boot (/proc/sys/kernel/random/boot_id): a random UUID drawn at
// every boot, so a record that names another one was written before the machine last started.
#include <string>

namespace wharf::sys {

// This boot's ID, or "" when the kernel does not tell.
std::string boot_id();

}  // namespace wharf::sys
