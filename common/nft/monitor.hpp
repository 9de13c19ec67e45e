#pragma once
// nft::monitor: a netlink socket subscribed to nftables' change notifications (NFNLGRP_NFTABLES) in
// the calling thread's network namespace: every committed change to any table, chain, rule, set or
// element of any family, by anyone (nft, iptables-nft, firewalld, a plugin), sends it a message
// carrying the committer's netlink port id. The agent only needs to know whether something changed
// that was not done through its own sockets, so only the headers are read; an overflow of the
// receive buffer (ENOBUFS: notifications were lost) counts as such a change too.
#include <cstdint>
#include <functional>

#include "base/unique_fd.hpp"

namespace wharf::nft {

class monitor {
public:
    // Throws os_error.
    static monitor open();

    int fd() const noexcept { return fd_.get(); }
    struct seen {
        bool any = false;      // at least one notification (or a loss)
        bool foreign = false;  // one from a port `ours` does not know, or a loss
    };
    // Reads every notification waiting (the socket never blocks). `ours` (may be empty: nothing is
    // ours) says which committers' port ids to trust.
    seen drain(const std::function<bool(std::uint32_t port_id)>& ours = {});

private:
    explicit monitor(unique_fd fd) : fd_(std::move(fd)) {}
    unique_fd fd_;
};

}  // namespace wharf::nft
