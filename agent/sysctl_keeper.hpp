#pragma once
// The agent's keeper of the kernel parameters the attachments rely on (sys/wanted_sysctls.hpp):
// ip_forward for gateway networks, route_localnet toward containers that publish ports. No kernel
// notification covers all of them (route_localnet has none), so the agent reads them every half
// second; the records are read again only when their directory changed. A bridge deleted and made
// again comes back with its defaults: this is also how the agent answers that link event.
#include <sys/types.h>

#include <ctime>
#include <string>
#include <vector>

#include "sys/wanted_sysctls.hpp"

namespace wharf::agent {

class sysctl_keeper {
public:
    // Sets again whatever differs from what is recorded; logs and counts each change. Never throws.
    void keep() noexcept;

private:
    std::vector<sys::sysctl_setting> wanted_;
    timespec seen_{};  // the records directory's mtime when wanted_ was read
    ino_t seen_inode_ = 0;
};

}  // namespace wharf::agent
