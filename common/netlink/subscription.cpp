#include "netlink/subscription.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <string>

#include "base/os_error.hpp"

namespace wharf::netlink {

subscription subscription::open(std::initializer_list<unsigned> groups) {
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
    if (!fd) throw_errno("open a netlink socket for notifications");
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
        throw_errno("bind the netlink notification socket");
    for (unsigned group : groups) {
        if (setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
            throw_errno("join rtnetlink group " + std::to_string(group));
    }
    return subscription(std::move(fd));
}

std::size_t subscription::drain() {
    // The content is not read, so a datagram longer than the buffer is simply cut.
    std::array<char, 8192> buffer;
    std::size_t count = 0;
    for (;;) {
        const ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
        if (n >= 0) {
            ++count;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {  // notifications were lost: something changed
            ++count;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return count;
        throw_errno("read netlink notifications");
    }
}

}  // namespace wharf::netlink
