#include "lender.hpp"

#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/os_error.hpp"
#include "log/logging.hpp"
#include "netlink/netfilter_socket.hpp"

namespace wharf::agent {

namespace {

// Sockets kept for the next borrowers; more than this many idle at once are closed.
constexpr std::size_t max_idle = 64;
// What a borrower left queued (the rest of a dump, late ACKs) is read away before the socket is lent
// again; a socket that still has data after this many datagrams is closed instead.
constexpr int max_drain = 100'000;

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + path);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

bool someone_listens(const sockaddr_un& addr) {
    unique_fd probe(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    return probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// Who is at the other end; uid -1 when the kernel does not say.
ucred peer_of(int connection) {
    ucred cred{.pid = 0, .uid = static_cast<uid_t>(-1), .gid = static_cast<gid_t>(-1)};
    socklen_t len = sizeof cred;
    if (::getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) cred.uid = static_cast<uid_t>(-1);
    return cred;
}

// The port id the kernel gave a netfilter socket when we bound it (0 if it cannot say).
std::uint32_t port_id_of(int sock) {
    sockaddr_nl addr{};
    socklen_t len = sizeof addr;
    return ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0 ? addr.nl_pid : 0;
}

// One byte, with `fd` attached when there is one.
bool send_answer(int connection, char answer, int fd) {
    iovec iov{.iov_base = &answer, .iov_len = 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    return ::sendmsg(connection, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == 1;
}

// Reads away what the last borrower left queued. False when the socket cannot be lent again: data
// keeps coming, or the borrower joined a multicast group (notifications would reach the next one).
bool reusable(int sock) {
    std::array<char, 8192> scratch;
    int drained = 0;
    while (::recv(sock, scratch.data(), scratch.size(), MSG_DONTWAIT | MSG_TRUNC) >= 0)
        if (++drained == max_drain) return false;
    std::array<std::uint32_t, 8> groups{};
    socklen_t len = sizeof groups;
    if (::getsockopt(sock, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups.data(), &len) != 0) return false;
    for (std::uint32_t g : groups)
        if (g != 0) return false;
    return true;
}

}  // namespace

lender::lender(std::string path, std::size_t max_lent) : path_(std::move(path)), max_lent_(max_lent) {
    const sockaddr_un addr = unix_address(path_);
    if (someone_listens(addr)) throw std::runtime_error("another wharfd is listening on " + path_);
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) throw_errno("remove the stale socket " + path_);
    listener_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_) throw_errno("open a unix socket for " + path_);
    // Made 0600 from the start (the umask at bind decides), not made and then narrowed.
    const mode_t old_mask = ::umask(0177);
    const int bound = ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::umask(old_mask);
    if (bound != 0) throw_errno("bind " + path_);
    struct stat st{};
    if (::stat(path_.c_str(), &st) == 0) listener_inode_ = st.st_ino;
    if (::listen(listener_.get(), 256) != 0) throw_errno("listen on " + path_);
    worker_.start([this] { run(); });
}

lender::~lender() {
    // The worker is stopped by its own destructor, after this body: the file goes first, which is
    // harmless (a borrower that finds no file opens its own socket). Only our own file: another agent may have replaced it since (it refuses while we listen, though).
    struct stat st{};
    if (::stat(path_.c_str(), &st) == 0 && st.st_ino == listener_inode_) ::unlink(path_.c_str());
}

lender_counters lender::counters() const {
    std::lock_guard lock(counters_mutex_);
    return counters_;
}

std::size_t lender::pool_size() const {
    std::lock_guard lock(counters_mutex_);
    return ports_.size();
}

bool lender::pooled(std::uint32_t port_id) const {
    std::lock_guard lock(counters_mutex_);
    return ports_.contains(port_id);
}

unique_fd lender::pooled_socket() {
    if (!idle_.empty()) {
        unique_fd fd = std::move(idle_.back());
        idle_.pop_back();
        return fd;
    }
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
    if (!fd) throw_errno("open a netfilter socket to lend");
    const sockaddr_nl any{.nl_family = AF_NETLINK, .nl_pad = 0, .nl_pid = 0, .nl_groups = 0};
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) throw_errno("bind a netfilter socket to lend");
    std::lock_guard lock(counters_mutex_);
    ++counters_.opened;
    ports_.insert(port_id_of(fd.get()));
    return fd;
}

void lender::answer(unique_fd connection) {
    const ucred peer = peer_of(connection.get());
    const bool root = peer.uid == 0;
    if (!root || loans_.size() >= max_lent_) {
        if (!root) log::warn("refused a netfilter socket to pid {}, uid {}: not root", peer.pid, peer.uid);
        else log::debug("refused a netfilter socket to pid {}: {} lent already", peer.pid, loans_.size());
        send_answer(connection.get(), netlink::lend_refused, -1);
        std::lock_guard lock(counters_mutex_);
        ++counters_.refused;
        return;
    }
    unique_fd sock = pooled_socket();
    if (!send_answer(connection.get(), netlink::lend_granted, sock.get())) {
        idle_.push_back(std::move(sock));  // never reached the borrower
        return;
    }
    {
        std::lock_guard lock(counters_mutex_);
        ++counters_.lent;
    }
    log::debug("lent netfilter socket {} to pid {}", port_id_of(sock.get()), peer.pid);
    const int key = connection.get();
    loans_.emplace(key, loan{std::move(connection), std::move(sock)});
}

void lender::accept_borrowers() {
    for (;;) {
        unique_fd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!connection) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) log::warn("accept on {}: {}", path_, std::strerror(errno));
            return;
        }
        try {
            answer(std::move(connection));
        } catch (const std::exception& e) {
            log::warn("cannot lend a netfilter socket: {}", e.what());
        }
    }
}

void lender::take_back(int connection_fd) {
    auto it = loans_.find(connection_fd);
    if (it == loans_.end()) return;
    unique_fd sock = std::move(it->second.socket);
    loans_.erase(it);
    {
        std::lock_guard lock(counters_mutex_);
        ++counters_.returned;
    }
    // A socket not lent again is closed here, off every plugin's path.
    if (reusable(sock.get()) && idle_.size() < max_idle) {
        idle_.push_back(std::move(sock));
        return;
    }
    std::lock_guard lock(counters_mutex_);
    ports_.erase(port_id_of(sock.get()));
}

void lender::run() noexcept {
    std::vector<pollfd> fds;
    for (;;) {
        fds.clear();
        fds.push_back({.fd = worker_.stop_fd(), .events = POLLIN, .revents = 0});
        fds.push_back({.fd = listener_.get(), .events = POLLIN, .revents = 0});
        for (const auto& [fd, loan] : loans_) fds.push_back({.fd = fd, .events = POLLIN | POLLRDHUP, .revents = 0});
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            log::error("socket lender: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[0].revents != 0) return;
        for (std::size_t i = 2; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            // A borrower says nothing after connecting: anything it sends is read away; its
            // connection closing (at exit at the latest) gives the socket back.
            char scratch[64];
            const ssize_t n = ::recv(fds[i].fd, scratch, sizeof scratch, MSG_DONTWAIT);
            if (n == 0 || (fds[i].revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0 ||
                (n < 0 && errno != EAGAIN && errno != EINTR))
                take_back(fds[i].fd);
        }
        if (fds[1].revents != 0) accept_borrowers();
    }
}

}  // namespace wharf::agent
