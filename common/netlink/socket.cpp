#include "netlink/socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <optional>

#include "base/os_error.hpp"
#include "netlink/ack.hpp"
#include "netlink/error.hpp"

namespace wharf::netlink {

namespace {

// The receive buffer to start with. A dump fills each datagram up to the length we last read with
// (capped by the kernel at 32 KiB), so a read's two halves stay ahead of it; longer replies (a link
// with many VFs or alternative names) grow the buffer.
constexpr std::size_t initial_buffer = 32 * 1024;
// A read takes its reply and ACK (or two parts of a dump) in one call; a batch's ACKs come 32 at a
// time, each slot still ample for an ACK (about 40 bytes, with the kernel's sentence a few hundred).
constexpr std::size_t read_slots = 2;
constexpr std::size_t ack_slots = 32;
constexpr int max_read_attempts = 5;
// What one queued ACK costs in the receive buffer (its skb's true size, rounded up), and the room
// kept beside them for one reply of any size.
constexpr std::size_t bytes_per_ack = 1024;
constexpr std::size_t ack_headroom = 64 * 1024;
// netlink refuses a datagram longer than the send buffer less a little overhead.
constexpr std::size_t send_overhead = 4096;
// How long a reply may take. The kernel answers while it handles the request (or, for a dump's
// later parts, while we read), so this only matters if something is badly wrong.
constexpr time_t reply_timeout_s = 10;

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

// Extended ACKs give the kernel's reason for a failure; capped ACKs keep the echoed request out of
// error replies. Kernels without them still work, so failures are ignored. Strict checking lets
// rtnetlink filter dumps in the kernel (addresses of one link, say) instead of sending every entry
// of the namespace; older kernels ignore filters, and readers filter too.
void configure(int fd, int protocol) {
    int on = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
    if (protocol == NETLINK_ROUTE) setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof on);
    const timeval timeout{.tv_sec = reply_timeout_s, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

// The port id the socket is bound to; 0 when it is not bound yet.
std::uint32_t bound_port(int fd, const std::string& what) {
    sockaddr_nl addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) throw_errno("getsockname of " + what);
    return addr.nl_pid;
}

// Binds to a port id of the kernel's choosing and returns it.
std::uint32_t bind_port(int fd, const std::string& what) {
    const sockaddr_nl addr{.nl_family = AF_NETLINK, .nl_pad = 0, .nl_pid = 0, .nl_groups = 0};
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) throw_errno("bind " + what);
    return bound_port(fd, what);
}

std::string describe(int protocol) { return "netlink socket (protocol " + std::to_string(protocol) + ")"; }

bool ours(const nlmsghdr& nlh, std::uint32_t seq, std::uint32_t port_id) {
    return nlh.nlmsg_seq == seq && nlh.nlmsg_pid == port_id;
}

// Calls `fn(message, available)` for each message in the bytes a datagram kept: the whole ones,
// then one cut off by the end of the buffer if at least its header arrived.
template <typename Fn>
void for_each_message(const std::byte* data, std::size_t kept, Fn&& fn) {
    int len = static_cast<int>(kept);
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
    for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
        if (!fn(*nlh, static_cast<std::size_t>(nlh->nlmsg_len))) return;
    if (len >= static_cast<int>(sizeof(nlmsghdr)) && nlh->nlmsg_len > static_cast<std::uint32_t>(len))
        fn(*nlh, static_cast<std::size_t>(len));
}

}  // namespace

socket::socket(unique_fd fd, std::uint32_t port_id)
    : fd_(std::move(fd)), port_id_(port_id), buffer_(initial_buffer), received_(ack_slots) {
    // A random start keeps a descriptor's replies to an earlier user (one handed to adopt) from
    // passing for ours; within the socket every request takes the next number.
    // getrandom, not std::random_device: that one probes the CPU (cpuid, a VM exit) on every start.
    if (::getrandom(&seq_, sizeof seq_, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seq_))
        seq_ = static_cast<std::uint32_t>(::getpid()) << 16;
}

socket socket::open(int protocol) {
    const std::string what = describe(protocol);
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
    if (!fd) throw_errno("open " + what);
    configure(fd.get(), protocol);
    const std::uint32_t port_id = bind_port(fd.get(), what);
    return socket(std::move(fd), port_id);
}

socket socket::adopt(unique_fd fd, int protocol) {
    const std::string what = "adopt " + describe(protocol) + " fd " + std::to_string(fd.get());
    int domain = 0;
    int actual = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0) throw_errno(what);
    len = sizeof actual;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PROTOCOL, &actual, &len) < 0) throw_errno(what);
    if (domain != AF_NETLINK || actual != protocol)
        throw os_error(EPROTOTYPE, what + ": a socket of domain " + std::to_string(domain) + ", protocol " +
                                       std::to_string(actual));
    configure(fd.get(), protocol);
    std::uint32_t port_id = bound_port(fd.get(), what);
    if (port_id == 0) port_id = bind_port(fd.get(), what);
    return socket(std::move(fd), port_id);
}

socket socket::borrowed(unique_fd fd, int protocol, unique_fd lease) {
    socket sock = adopt(std::move(fd), protocol);
    sock.lease_ = std::move(lease);
    return sock;
}

std::uint32_t socket::next_seq() noexcept {
    if (++seq_ == 0) ++seq_;  // 0 is what notifications carry
    return seq_;
}

void socket::transmit(std::span<const std::byte> datagram, const std::string& what) {
    const sockaddr_nl kernel{.nl_family = AF_NETLINK, .nl_pad = 0, .nl_pid = 0, .nl_groups = 0};
    bool grown = false;
    for (;;) {
        const ssize_t sent = ::sendto(fd(), datagram.data(), datagram.size(), 0,
                                      reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
        if (sent >= 0) {
            if (static_cast<std::size_t>(sent) != datagram.size()) throw os_error(EMSGSIZE, what + " (short send)");
            return;
        }
        if (errno == EINTR) continue;
        // Longer than the send buffer: grow it once and try again.
        if (errno == EMSGSIZE && !grown) {
            grow_buffer(fd(), SO_SNDBUFFORCE, SO_SNDBUF, datagram.size() + send_overhead);
            grown = true;
            continue;
        }
        throw_errno(what);
    }
}

std::uint32_t socket::send(message& msg, const std::string& what) {
    nlmsghdr& nlh = msg.header();
    nlh.nlmsg_seq = next_seq();
    nlh.nlmsg_pid = 0;
    transmit(msg.bytes(), "send netlink request to " + what);
    return nlh.nlmsg_seq;
}

void socket::grow_for(std::size_t bytes, std::size_t slots) {
    const std::size_t page = 4096;
    wanted_ = std::max(wanted_, (bytes + page - 1) / page * page * slots);
}

std::span<const socket::datagram> socket::receive(std::size_t slots, bool wait, const std::string& what) {
    // Growth asked for by the last receive happens now, when no view into the buffer is left.
    if (wanted_ > buffer_.size()) buffer_.grow(wanted_, 0);
    const std::size_t slot_size = buffer_.size() / slots;
    std::array<iovec, ack_slots> iov;
    std::array<sockaddr_nl, ack_slots> from;
    std::array<mmsghdr, ack_slots> msgs;
    for (std::size_t i = 0; i < slots; ++i) {
        iov[i] = {buffer_.data() + i * slot_size, slot_size};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    // MSG_TRUNC: each length reads as the kernel sent it, so a cut-off datagram says how long it was.
    const int flags = MSG_TRUNC | (wait ? MSG_WAITFORONE : MSG_DONTWAIT);
    for (;;) {
        const int n = ::recvmmsg(fd(), msgs.data(), static_cast<unsigned>(slots), flags, nullptr);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!wait) return {};
                throw os_error(ETIMEDOUT, "receive netlink reply to " + what + ": no reply from the kernel");
            }
            throw_errno("receive netlink reply to " + what);
        }
        std::size_t count = 0;
        for (int i = 0; i < n; ++i) {
            if (from[i].nl_pid != 0) continue;  // only the kernel speaks to this socket
            const std::size_t sent = msgs[i].msg_len;
            received_[count++] = {static_cast<const std::byte*>(iov[i].iov_base), std::min(sent, slot_size), sent};
            if (sent > slot_size) grow_for(sent, slots);
        }
        if (count > 0) return {received_.data(), count};
    }
}

socket::replies socket::collect(std::uint32_t seq, const std::string& what, bool until_done, bool missing_ok) {
    replies out;
    bool done = false;
    std::optional<ack> refusal;
    const auto on_message = [&](const nlmsghdr& nlh, std::size_t available) {
        if (!ours(nlh, seq, port_id_)) return true;  // stale or foreign
        if (nlh.nlmsg_flags & NLM_F_DUMP_INTR) out.interrupted = true;
        if (nlh.nlmsg_type == NLMSG_ERROR) {
            ack a = decode_error(nlh, available);
            if (a.err != 0) refusal = std::move(a);
            done = true;
            return false;
        }
        if (available < nlh.nlmsg_len) {  // the rest of the datagram is lost
            out.truncated = true;
            return false;
        }
        switch (nlh.nlmsg_type) {
        case NLMSG_NOOP:
            break;
        case NLMSG_DONE:
            if (!until_done) break;
            if (ack a = decode_done(nlh); a.err != 0) refusal = std::move(a);
            done = true;
            return false;
        case NLMSG_OVERRUN:
            refusal = ack{.seq = seq, .err = EOVERFLOW, .extack = "netlink overrun"};
            done = true;
            return false;
        default:
            out.messages.push_back(message::copy_of(nlh));
            break;
        }
        return true;
    };
    while (!done) {
        // After a cut-off dump datagram the end of the dump may have been in it: whatever the
        // kernel still has for us is queued by now, so stop when nothing is.
        const bool wait = !(until_done && out.truncated);
        const auto datagrams = receive(read_slots, wait, what);
        if (datagrams.empty()) break;
        for (const datagram& d : datagrams) {
            if (d.truncated()) out.truncated = true;
            for_each_message(d.data, d.kept, on_message);
            if (done) break;
        }
    }
    if (refusal && missing_ok && refusal->err == ENOENT) out.missing = true;
    else if (refusal) throw error(refusal->err, what, refusal->extack);
    return out;
}

socket::replies socket::read(message& msg, const std::string& what, bool until_done, bool missing_ok) {
    for (int attempt = 1;; ++attempt) {
        replies got = collect(send(msg, what), what, until_done, missing_ok);
        if (got.missing || (!got.interrupted && !got.truncated)) return got;
        if (attempt == max_read_attempts) {
            if (got.interrupted)
                throw error(EINTR, what + " (dump interrupted " + std::to_string(max_read_attempts) + " times)");
            throw error(EMSGSIZE, what + " (a reply did not fit " + std::to_string(buffer_.size()) + " bytes)");
        }
        // Interrupted: the set changed under the dump. Truncated: the buffer has grown since. Again.
    }
}

void socket::request(message& msg, const std::string& what) {
    msg.header().nlmsg_flags |= NLM_F_ACK;
    collect(send(msg, what), what, false);
}

message socket::get(message& msg, const std::string& what) {
    msg.header().nlmsg_flags |= NLM_F_ACK;
    replies got = read(msg, what, false);
    if (got.messages.empty()) throw error(ENODATA, what, "no reply before the ACK");
    return std::move(got.messages.front());
}

std::optional<message> socket::find(message& msg, const std::string& what) {
    msg.header().nlmsg_flags |= NLM_F_ACK;
    replies got = read(msg, what, false, true);
    if (got.missing) return std::nullopt;
    if (got.messages.empty()) throw error(ENODATA, what, "no reply before the ACK");
    return std::move(got.messages.front());
}

void socket::dump(message& msg, const std::string& what, const std::function<void(const nlmsghdr&)>& on_reply) {
    msg.header().nlmsg_flags |= NLM_F_DUMP;
    const replies got = read(msg, what, true);
    for (const message& reply : got.messages) on_reply(reply.header());
}

void socket::reserve(std::size_t acks) {
    const std::size_t need = acks * bytes_per_ack + ack_headroom;
    if (rcvbuf_ == 0) rcvbuf_ = get_int_option(fd(), SO_RCVBUF);
    if (static_cast<std::size_t>(rcvbuf_) < need) rcvbuf_ = grow_buffer(fd(), SO_RCVBUFFORCE, SO_RCVBUF, need);
}

std::vector<ack> socket::send_batch(std::span<const std::byte> batch, const std::string& what) {
    // The messages that asked for an ACK, in order, and the others (BEGIN, END), which the kernel
    // answers only to refuse the batch as a whole.
    std::vector<ack> acks;
    std::vector<std::uint32_t> unacked;
    for_each_message(batch.data(), batch.size(), [&](const nlmsghdr& nlh, std::size_t /*available*/) {
        if (nlh.nlmsg_flags & NLM_F_ACK) acks.push_back({.seq = nlh.nlmsg_seq});
        else unacked.push_back(nlh.nlmsg_seq);
        return true;
    });
    std::vector<bool> answered(acks.size(), false);
    std::size_t remaining = acks.size();
    std::size_t next = 0;  // ACKs normally come in batch order

    reserve(acks.size());
    transmit(batch, "send " + what + " (" + std::to_string(batch.size()) + " bytes)");
    const std::string reading = "read replies to " + what;
    // The kernel handles the batch while sendmsg runs, so every ACK is queued by now: they come in
    // bulk, many per receive call.
    while (remaining > 0) {
        for (const datagram& d : receive(ack_slots, true, reading)) {
            for_each_message(d.data, d.kept, [&](const nlmsghdr& nlh, std::size_t available) {
                if (nlh.nlmsg_type != NLMSG_ERROR || nlh.nlmsg_pid != port_id_) return true;
                std::size_t i = next < acks.size() && acks[next].seq == nlh.nlmsg_seq ? next : acks.size();
                if (i == acks.size())
                    i = static_cast<std::size_t>(std::find_if(acks.begin(), acks.end(), [&](const ack& a) {
                                                     return a.seq == nlh.nlmsg_seq;
                                                 }) - acks.begin());
                if (i < acks.size()) {
                    if (answered[i]) return true;  // a duplicate: keep the first
                    acks[i] = decode_error(nlh, available);
                    answered[i] = true;
                    --remaining;
                    next = i + 1;
                    return true;
                }
                if (std::find(unacked.begin(), unacked.end(), nlh.nlmsg_seq) == unacked.end()) return true;  // stale
                ack refusal = decode_error(nlh, available);
                if (refusal.err != 0) throw error(refusal.err, what, refusal.extack);
                return true;
            });
        }
    }
    return acks;
}

}  // namespace wharf::netlink
