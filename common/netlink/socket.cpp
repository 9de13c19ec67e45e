#include "netlink/socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <random>

#include "base/os_error.hpp"
#include "netlink/attr_parser.hpp"
#include "netlink/error.hpp"

namespace wharf::netlink {

namespace {

constexpr std::size_t initial_buffer = 32 * 1024;
constexpr int max_dump_attempts = 5;

// The kernel's extended-ACK sentence in an NLMSG_ERROR or NLMSG_DONE, if there is one. The
// attributes follow the fixed part (`fixed_len` bytes of payload) and, unless the kernel capped
// the echo, the payload of the request it quotes.
std::string extack_of(const nlmsghdr& nlh, std::size_t fixed_len) {
    if (!(nlh.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    const auto* payload = static_cast<const char*>(mnl_nlmsg_get_payload(&nlh));
    const std::size_t payload_len = mnl_nlmsg_get_payload_len(&nlh);
    std::size_t offset = fixed_len;
    if (nlh.nlmsg_type == NLMSG_ERROR && !(nlh.nlmsg_flags & NLM_F_CAPPED)) {
        if (payload_len < sizeof(nlmsgerr)) return {};
        const auto* err = reinterpret_cast<const nlmsgerr*>(payload);
        if (err->msg.nlmsg_len > sizeof(nlmsghdr)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    }
    offset = MNL_ALIGN(offset);
    if (offset >= payload_len) return {};
    auto table = attr_table::parse_payload(payload + offset, payload_len - offset, NLMSGERR_ATTR_MAX);
    return table.str(NLMSGERR_ATTR_MSG).value_or("");
}

std::uint32_t initial_seq() {
    std::random_device rd;
    return rd();
}

}  // namespace

void socket::closer::operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }

socket::socket(std::unique_ptr<mnl_socket, closer> sock, std::uint32_t port_id, std::uint32_t seq)
    : sock_(std::move(sock)), port_id_(port_id), seq_(seq), buffer_(initial_buffer) {}

socket::~socket() = default;

socket socket::open(int protocol) {
    const std::string what = "open netlink socket (protocol " + std::to_string(protocol) + ")";
    std::unique_ptr<mnl_socket, closer> sock(mnl_socket_open2(protocol, SOCK_CLOEXEC));
    if (!sock) throw_errno(what);
    // Both options are missing on old kernels; errors then just lack the kernel's explanation.
    int on = 1;
    mnl_socket_setsockopt(sock.get(), NETLINK_EXT_ACK, &on, sizeof on);
    mnl_socket_setsockopt(sock.get(), NETLINK_CAP_ACK, &on, sizeof on);
    // Strict checking lets rtnetlink filter dumps in the kernel (addresses of one link, say) instead
    // of sending every entry of the namespace; older kernels ignore filters, and readers filter too.
    if (protocol == NETLINK_ROUTE) mnl_socket_setsockopt(sock.get(), NETLINK_GET_STRICT_CHK, &on, sizeof on);
    if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) throw_errno("bind " + what);
    const std::uint32_t port_id = mnl_socket_get_portid(sock.get());
    return socket(std::move(sock), port_id, initial_seq());
}

int socket::fd() const noexcept { return mnl_socket_get_fd(sock_.get()); }

std::uint32_t socket::send(message& msg, const std::string& what) {
    nlmsghdr& nlh = msg.header();
    nlh.nlmsg_seq = next_seq();
    nlh.nlmsg_pid = 0;
    for (;;) {
        const ssize_t sent = mnl_socket_sendto(sock_.get(), &nlh, nlh.nlmsg_len);
        if (sent >= 0) break;
        if (errno != EINTR) throw os_error(errno, "send netlink request to " + what);
    }
    return nlh.nlmsg_seq;
}

std::size_t socket::receive(const std::string& what) {
    for (;;) {
        // Peek at the size first so a datagram larger than the buffer is never truncated.
        const ssize_t size = ::recv(fd(), nullptr, 0, MSG_PEEK | MSG_TRUNC);
        if (size < 0) {
            if (errno == EINTR) continue;
            throw os_error(errno, "receive netlink reply to " + what);
        }
        if (static_cast<std::size_t>(size) > buffer_.size()) buffer_.grow(static_cast<std::size_t>(size), 0);
        const ssize_t got = mnl_socket_recvfrom(sock_.get(), buffer_.data(), buffer_.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            throw os_error(errno, "receive netlink reply to " + what);
        }
        return static_cast<std::size_t>(got);
    }
}

socket::replies socket::collect(std::uint32_t seq, const std::string& what, bool until_done) {
    replies out;
    for (;;) {
        int len = static_cast<int>(receive(what));
        auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.data());
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != port_id_) continue;  // not ours: stale or foreign
            if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) out.interrupted = true;
            switch (nlh->nlmsg_type) {
            case NLMSG_NOOP:
                break;
            case NLMSG_ERROR: {
                if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) throw error(EBADMSG, what, "truncated ACK");
                const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
                if (err->error == 0) return out;  // the ACK
                // rtnetlink reports -errno, some other families +errno.
                throw error(std::abs(err->error), what, extack_of(*nlh, sizeof(nlmsgerr)));
            }
            case NLMSG_DONE: {
                if (!until_done) break;
                if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
                    const int status = *static_cast<const int*>(mnl_nlmsg_get_payload(nlh));
                    if (status < 0) throw error(-status, what, extack_of(*nlh, sizeof(int)));
                }
                return out;
            }
            case NLMSG_OVERRUN:
                throw error(EOVERFLOW, what, "netlink overrun");
            default:
                out.messages.push_back(message::copy_of(*nlh));
                break;
            }
        }
    }
}

void socket::request(message& msg, const std::string& what) {
    msg.header().nlmsg_flags |= NLM_F_ACK;
    collect(send(msg, what), what, false);
}

message socket::get(message& msg, const std::string& what) {
    msg.header().nlmsg_flags |= NLM_F_ACK;
    replies got = collect(send(msg, what), what, false);
    if (got.messages.empty()) throw error(ENODATA, what, "no reply before the ACK");
    return std::move(got.messages.front());
}

void socket::dump(message& msg, const std::string& what, const std::function<void(const nlmsghdr&)>& on_reply) {
    msg.header().nlmsg_flags |= NLM_F_DUMP;
    for (int attempt = 1; attempt <= max_dump_attempts; ++attempt) {
        const replies got = collect(send(msg, what), what, true);
        if (got.interrupted) continue;  // the set changed under the dump: start over
        for (const message& reply : got.messages) on_reply(reply.header());
        return;
    }
    throw error(EINTR, what + " (dump interrupted " + std::to_string(max_dump_attempts) + " times)");
}

}  // namespace wharf::netlink
