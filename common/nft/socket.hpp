#pragma once
// nft::socket: a NETLINK_NETFILTER socket for nftables. It belongs to the network namespace it was
// opened in, so a caller that wants a container's ruleset opens it there (or hands in a descriptor
// opened there) and then uses it from anywhere.
//
//   auto sock = nft::socket::open();
//   nft::transaction tx{sock};  ...  tx.commit();
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/byte_buffer.hpp"
#include "base/unique_fd.hpp"

struct mnl_socket;

namespace wharf::nft {

class socket {
public:
    // Opens and binds a socket in the calling thread's current network namespace.
    static socket open();
    // Takes over a NETLINK_NETFILTER socket opened elsewhere (e.g. inside another namespace),
    // binding it if it is not bound yet.
    static socket adopt(unique_fd fd);

    socket(socket&&) noexcept;
    socket& operator=(socket&&) noexcept;
    ~socket();

    int fd() const noexcept;
    std::uint32_t portid() const noexcept;
    std::uint32_t next_seq() noexcept { return seq_++; }

    // Grows the kernel's buffers so that a batch of `batch_bytes` goes out as one datagram and
    // `replies` acknowledgements fit before they are read.
    void reserve(std::size_t batch_bytes, std::size_t replies);
    // Sends one datagram to the kernel; `what` names it in the error.
    void send(std::span<const char> datagram, const std::string& what);
    // Waits up to timeout_ms for one datagram; empty on timeout. The view lasts until the next call.
    std::span<const char> receive(int timeout_ms, const std::string& what);
    // Waits up to timeout_ms for the first datagram, then takes every one already queued (up to
    // 32) in the same recvmmsg call: the acknowledgements of a whole batch in one system call.
    // Empty on timeout; the views last until the next receive.
    std::vector<std::span<const char>> receive_queued(int timeout_ms, const std::string& what);

    // Sends a request (a GET with NLM_F_ACK, or a dump) and reads its replies: every message of
    // type >= NLMSG_MIN_TYPE goes to on_message, until the ACK or NLMSG_DONE. Throws nft::error
    // carrying the kernel's errno and extack; EINTR means a dump raced a change (run it again).
    void exchange(std::span<const char> request, const std::string& what,
                  const std::function<void(const nlmsghdr&)>& on_message);

private:
    struct closer {
        void operator()(mnl_socket* nl) const noexcept;
    };
    explicit socket(mnl_socket* nl);
    void configure();

    std::unique_ptr<mnl_socket, closer> nl_;
    std::uint32_t seq_ = 0;
    int sndbuf_ = 0;  // the kernel's current send and receive buffer sizes, as getsockopt reports them
    int rcvbuf_ = 0;
    char_buffer rx_;
    char_buffer bulk_rx_;  // receive_queued's slots
};

}  // namespace wharf::nft
