#include "nft/monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "base/os_error.hpp"

namespace wharf::nft {

monitor monitor::open() {
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER));
    if (!fd) throw_errno("open a netfilter netlink socket for nftables notifications");
    const sockaddr_nl addr{.nl_family = AF_NETLINK, .nl_pad = 0, .nl_pid = 0, .nl_groups = 0};
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno("bind the nftables notification socket");
    const int group = NFNLGRP_NFTABLES;
    if (::setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
        throw_errno("subscribe to nftables notifications (NFNLGRP_NFTABLES)");
    return monitor(std::move(fd));
}

monitor::seen monitor::drain(const std::function<bool(std::uint32_t)>& ours) {
    std::array<char, 16384> buf;
    seen out;
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_TRUNC);
        if (n >= 0) {
            out.any = true;
            if (static_cast<std::size_t>(n) > buf.size()) {  // cut off: who committed the rest is unknown
                out.foreign = true;
                continue;
            }
            int len = static_cast<int>(n);
            for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
                if (!ours || !ours(nlh->nlmsg_pid)) out.foreign = true;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {  // notifications were dropped: anything may have changed
            out.any = out.foreign = true;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return out;
        throw_errno("read nftables notifications");
    }
}

}  // namespace wharf::nft
