#include "nft/socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <climits>
#include <ctime>
#include <string>

#include "nft/error.hpp"
#include "nft/reply.hpp"

namespace wharf::nft {

namespace {

// Replies are small acknowledgements (NETLINK_CAP_ACK drops the echoed request) or dump messages,
// which the kernel caps at 32 KiB; twice that leaves room for an uncapped error echo.
constexpr std::size_t receive_buffer_size = 64 * 1024;
// What one queued acknowledgement costs in the receive buffer (its skb's true size, rounded up).
constexpr std::size_t bytes_per_reply = 1024;
// How long a request may go unanswered. The kernel answers nftables requests synchronously, so
// this only matters if something is badly wrong.
constexpr int reply_timeout_ms = 10'000;

[[noreturn]] void fail(const std::string& what) { throw error(errno, what); }

int get_int_option(int fd, int option) {
    int value = 0;
    socklen_t len = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, option, &value, &len) < 0) return 0;
    return value;
}

// Asks for at least `want` bytes: first with the privileged *FORCE option (no sysctl cap), then
// with the plain one. The kernel doubles the value it stores; returns what it now reports.
int grow_buffer(int fd, int force_option, int option, std::size_t want) {
    int value = want > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(want);
    if (setsockopt(fd, SOL_SOCKET, force_option, &value, sizeof value) < 0)
        setsockopt(fd, SOL_SOCKET, option, &value, sizeof value);
    return get_int_option(fd, option);
}

}  // namespace

void socket::closer::operator()(mnl_socket* nl) const noexcept { mnl_socket_close(nl); }

socket::socket(mnl_socket* nl) : nl_(nl), seq_(static_cast<std::uint32_t>(std::time(nullptr))) {}
socket::socket(socket&&) noexcept = default;
socket& socket::operator=(socket&&) noexcept = default;
socket::~socket() = default;

socket socket::open() {
    mnl_socket* nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (nl == nullptr) fail("open NETLINK_NETFILTER socket");
    socket s(nl);
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) fail("bind NETLINK_NETFILTER socket");
    s.configure();
    return s;
}

socket socket::adopt(unique_fd fd) {
    const std::string what = "adopt netlink socket fd " + std::to_string(fd.get());
    int domain = 0;
    int protocol = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0) fail(what);
    len = sizeof protocol;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0) fail(what);
    if (domain != AF_NETLINK || protocol != NETLINK_NETFILTER)
        throw error(EPROTOTYPE, what + ": not a NETLINK_NETFILTER socket");
    mnl_socket* nl = mnl_socket_fdopen(fd.get());
    if (nl == nullptr) fail(what);
    fd.release();  // the mnl_socket closes it from now on
    socket s(nl);
    if (mnl_socket_get_portid(nl) == 0 && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
        fail("bind NETLINK_NETFILTER socket");
    s.configure();
    return s;
}

// Extended ACKs give the kernel's reason for a failure; capped ACKs keep the echoed request out of
// error replies. Kernels without them still work, so failures here are ignored.
void socket::configure() {
    int on = 1;
    mnl_socket_setsockopt(nl_.get(), NETLINK_EXT_ACK, &on, sizeof on);
    mnl_socket_setsockopt(nl_.get(), NETLINK_CAP_ACK, &on, sizeof on);
    sndbuf_ = get_int_option(fd(), SO_SNDBUF);
    rcvbuf_ = get_int_option(fd(), SO_RCVBUF);
}

int socket::fd() const noexcept { return mnl_socket_get_fd(nl_.get()); }

std::uint32_t socket::portid() const noexcept { return mnl_socket_get_portid(nl_.get()); }

void socket::reserve(std::size_t batch_bytes, std::size_t replies) {
    // netlink refuses a datagram longer than the send buffer less a little overhead.
    std::size_t send_need = batch_bytes + 4096;
    if (static_cast<std::size_t>(sndbuf_) < send_need) sndbuf_ = grow_buffer(fd(), SO_SNDBUFFORCE, SO_SNDBUF, send_need);
    std::size_t receive_need = replies * bytes_per_reply + receive_buffer_size;
    if (static_cast<std::size_t>(rcvbuf_) < receive_need)
        rcvbuf_ = grow_buffer(fd(), SO_RCVBUFFORCE, SO_RCVBUF, receive_need);
}

void socket::send(std::span<const char> datagram, const std::string& what) {
    ssize_t sent = mnl_socket_sendto(nl_.get(), datagram.data(), datagram.size());
    if (sent < 0) fail(what);
    if (static_cast<std::size_t>(sent) != datagram.size()) throw error(EMSGSIZE, what + " (short send)");
}

std::span<const char> socket::receive(int timeout_ms, const std::string& what) {
    if (rx_.empty()) rx_.grow(receive_buffer_size, 0);
    pollfd p{fd(), POLLIN, 0};
    for (;;) {
        int ready = ::poll(&p, 1, timeout_ms);
        if (ready > 0) break;
        if (ready == 0) return {};
        if (errno != EINTR) fail(what + ": poll");
    }
    ssize_t n = mnl_socket_recvfrom(nl_.get(), rx_.data(), rx_.size());
    if (n < 0) fail(what + ": receive");
    return {rx_.data(), static_cast<std::size_t>(n)};
}

std::vector<std::span<const char>> socket::receive_queued(int timeout_ms, const std::string& what) {
    // A slot holds any reply, even an error that echoes its request on a kernel without
    // NETLINK_CAP_ACK. Only the pages a reply lands on are ever touched (the buffer is not
    // zero-filled): an acknowledgement costs one. A longer datagram is refused, not misread.
    constexpr std::size_t slots = 32, slot_size = receive_buffer_size;
    if (bulk_rx_.empty()) bulk_rx_.grow(slots * slot_size, 0);
    iovec iov[slots];
    sockaddr_nl from[slots];
    mmsghdr msgs[slots];
    for (std::size_t i = 0; i < slots; ++i) {
        iov[i] = {bulk_rx_.data() + i * slot_size, slot_size};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    bool waited = false;
    for (;;) {
        int n = ::recvmmsg(fd(), msgs, slots, MSG_DONTWAIT, nullptr);
        if (n > 0) {
            std::vector<std::span<const char>> out;
            for (int i = 0; i < n; ++i) {
                if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) throw error(EMSGSIZE, what + ": a reply longer than 64 KiB");
                if (from[i].nl_pid != 0) continue;  // only the kernel speaks to this socket
                out.emplace_back(bulk_rx_.data() + static_cast<std::size_t>(i) * slot_size, msgs[i].msg_len);
            }
            if (!out.empty()) return out;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) fail(what + ": receive");
        if (waited) return {};
        pollfd p{fd(), POLLIN, 0};
        int ready = ::poll(&p, 1, timeout_ms);
        if (ready < 0 && errno != EINTR) fail(what + ": poll");
        waited = ready == 0;
    }
}

void socket::exchange(std::span<const char> request, const std::string& what,
                      const std::function<void(const nlmsghdr&)>& on_message) {
    const auto* req = reinterpret_cast<const nlmsghdr*>(request.data());
    const std::uint32_t seq = req->nlmsg_seq;
    send(request, what);

    bool interrupted = false;
    for (;;) {
        std::span<const char> got = receive(reply_timeout_ms, what);
        if (got.empty()) throw error(ETIMEDOUT, what + ": no reply from the kernel");
        int len = static_cast<int>(got.size());
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(got.data()); mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_seq != seq) continue;  // a late reply to an earlier request
            if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                detail::ack a = detail::decode_error(*nlh);
                if (a.err != 0) throw error(a.err, what, a.message);
                if (interrupted) throw error(EINTR, what + ": interrupted by a concurrent change");
                return;
            }
            if (nlh->nlmsg_type == NLMSG_DONE) {
                detail::ack a = detail::decode_done(*nlh);
                if (a.err != 0) throw error(a.err, what, a.message);
                if (interrupted) throw error(EINTR, what + ": interrupted by a concurrent change");
                return;
            }
            if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) on_message(*nlh);
        }
    }
}

}  // namespace wharf::nft
