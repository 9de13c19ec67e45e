#pragma once
// netlink::subscription: a non-blocking NETLINK_ROUTE socket that joins multicast groups and only
// listens, for callers that act when the kernel's state changes (a route deleted, a link gone):
//
//   auto changes = netlink::subscription::open({RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK});
//   poll fd() for POLLIN; then if (changes.drain() > 0) sync();
//
// What a notification says is not parsed: the caller reads the kernel's state again, which also
// covers notifications lost to a full receive buffer (ENOBUFS counts as a change).
#include <cstddef>
#include <initializer_list>
#include <utility>

#include "base/unique_fd.hpp"

namespace wharf::netlink {

class subscription {
public:
    // Opens (close-on-exec, non-blocking) in the calling thread's network namespace and joins each
    // RTNLGRP_* group. Throws os_error.
    static subscription open(std::initializer_list<unsigned> groups);

    int fd() const noexcept { return fd_.get(); }
    // Reads every datagram queued now without waiting; returns how many there were (an overrun
    // counts as one). 0 means nothing changed since the last drain.
    std::size_t drain();

private:
    explicit subscription(unique_fd fd) : fd_(std::move(fd)) {}
    unique_fd fd_;
};

}  // namespace wharf::netlink
