#pragma once
// nft::monitor: a netlink socket subscribed to nftables' change notifications (NFNLGRP_NFTABLES) in
// the calling thread's network namespace: every committed change to any table, chain, rule, set or
// element of any family, by anyone (nft, iptables-nft, firewalld, a plugin), sends it a message. The
// agent only needs to know that something changed, so the messages are drained, not parsed; an
// overflow of the receive buffer (ENOBUFS: notifications were lost) counts as a change too.
#include "base/unique_fd.hpp"

namespace wharf::nft {

class monitor {
public:
    // Throws os_error.
    static monitor open();

    int fd() const noexcept { return fd_.get(); }
    // Reads every notification waiting (the socket never blocks); true when there was at least one.
    bool drain();

private:
    explicit monitor(unique_fd fd) : fd_(std::move(fd)) {}
    unique_fd fd_;
};

}  // namespace wharf::nft
