#include "netlink/netfilter_socket.hpp"

#include <linux/netlink.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>

#include "log/logging.hpp"
#include "sys/dirs.hpp"

namespace wharf::netlink {

namespace {

std::atomic<bool> borrowing{true};

// Connects without waiting: a missing file, nobody listening and a full backlog all fail at once.
unique_fd connect_to(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) return {};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    unique_fd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return {};
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return {};
    return fd;
}

// The agent's answer: the lent descriptor, or nothing (refused, no answer in time, connection lost).
unique_fd await_socket(int conn, const std::string& path) {
    pollfd pfd{.fd = conn, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(lend_timeout.count()));
    if (ready <= 0) {
        log::debug("wharfd at {} did not answer within {} ms; opening a netfilter socket here", path,
                   lend_timeout.count());
        return {};
    }
    char answer = 0;
    iovec iov{.iov_base = &answer, .iov_len = 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(conn, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n != 1) return {};
    unique_fd lent;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        // Take every descriptor passed, so none leaks; keep the first.
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (!lent) lent.reset(fd);
            else ::close(fd);
        }
    }
    if (answer != lend_granted || (msg.msg_flags & MSG_CTRUNC) != 0) return {};
    return lent;
}

// Whether `sock` lives in the calling thread's network namespace: an agent started elsewhere that
// shares the run directory must not receive this namespace's commits.
bool in_our_namespace(int sock) {
    unique_fd ns(::ioctl(sock, SIOCGSKNS));
    if (!ns) return false;
    struct stat theirs{};
    struct stat ours{};
    if (::fstat(ns.get(), &theirs) != 0 || ::stat("/proc/thread-self/ns/net", &ours) != 0) return false;
    return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

}  // namespace

std::string agent_socket_path() { return sys::run_dir() + "/wharfd.sock"; }

void never_borrow() noexcept { borrowing.store(false); }

std::optional<socket> borrow_netfilter_socket(const std::string& agent_path) noexcept {
    try {
        unique_fd conn = connect_to(agent_path);
        if (!conn) return std::nullopt;
        unique_fd lent = await_socket(conn.get(), agent_path);
        if (!lent) return std::nullopt;
        if (!in_our_namespace(lent.get())) {
            log::warn("wharfd at {} lent a socket of another network namespace; not using it", agent_path);
            return std::nullopt;
        }
        return socket::borrowed(std::move(lent), NETLINK_NETFILTER, std::move(conn));
    } catch (const std::exception& e) {
        log::debug("cannot use the netfilter socket wharfd lent: {}", e.what());
        return std::nullopt;
    }
}

socket netfilter_socket() {
    if (borrowing.load()) {
        if (auto lent = borrow_netfilter_socket(agent_socket_path())) return std::move(*lent);
    }
    return socket::open(NETLINK_NETFILTER);
}

}  // namespace wharf::netlink
