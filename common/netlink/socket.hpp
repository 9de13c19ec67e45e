#pragma once
// netlink::socket: an open, bound netlink socket of one protocol (NETLINK_ROUTE for links and
// addresses, NETLINK_NETFILTER for nftables and conntrack) and the request/reply discipline on it.
// Only datagrams from the kernel, carrying our port id and the sequence number of the request being
// answered, count; anything else (a late reply to an earlier request, a notification) is skipped.
// The socket stays in the network namespace it was opened in (see netns::open_socket).
//
//   auto nl = netlink::socket::open(NETLINK_ROUTE);
//   nl.request(msg, "create bridge \"br0\"");         // waits for the ACK
//   auto nf = netlink::socket::open(NETLINK_NETFILTER);
//   nft::transaction tx{nf};  ...  tx.commit();        // one batch, every ACK read in bulk
//
// Replies are read with recvmmsg into one buffer that is never zero-filled: a request's data and
// its ACK, or a batch's ACKs, come in one system call. A reply longer than the buffer grows it; a
// read (get, dump) that lost one is asked again. A reply is waited for 10 seconds at most (the
// kernel answers while it handles a request, so only something badly wrong takes that long).
// Failures to send or receive throw os_error; the kernel's refusals throw netlink::error.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/byte_buffer.hpp"
#include "base/unique_fd.hpp"
#include "netlink/ack.hpp"
#include "netlink/message.hpp"

namespace wharf::netlink {

class socket {
public:
    // Opens (close-on-exec) and binds a socket in the calling thread's network namespace, asking
    // for extended and capped ACKs where the kernel supports them. Throws os_error.
    static socket open(int protocol);
    // Takes over a netlink socket of `protocol` opened elsewhere (e.g. inside another namespace),
    // binding it if it is not bound yet. Anything else is refused with EPROTOTYPE.
    static socket adopt(unique_fd fd, int protocol);
    // As adopt, for a socket lent by another process: `lease` (the connection to the lender) is
    // closed after the socket, which tells the lender it has the socket back.
    static socket borrowed(unique_fd fd, int protocol, unique_fd lease);

    socket(socket&&) noexcept = default;
    socket& operator=(socket&&) noexcept = default;
    ~socket() = default;

    int fd() const noexcept { return fd_.get(); }
    std::uint32_t port_id() const noexcept { return port_id_; }
    // A fresh sequence number (never 0); request/get/dump stamp one on each message themselves,
    // a batch's builder stamps one on each of its messages.
    std::uint32_t next_seq() noexcept;

    // Sends `msg` with NLM_F_ACK and waits for its ACK. `what` names the operation and its object
    // ("create bridge \"br0\""); a refusal throws netlink::error(errno, what, extack).
    void request(message& msg, const std::string& what);
    // Sends `msg` with NLM_F_ACK and returns the one reply it expects (RTM_GETLINK by name gives
    // an RTM_NEWLINK). Throws netlink::error on refusal, or if no reply came before the ACK.
    message get(message& msg, const std::string& what);
    // As get, when the object may not exist: the kernel's ENOENT gives nullopt, not an exception.
    // (A static binary's first throw costs a millisecond or two sorting its unwind tables; a lookup
    // that misses on every ADD must not pay that.)
    std::optional<message> find(message& msg, const std::string& what);
    // Sends `msg` with NLM_F_DUMP and collects every reply until NLMSG_DONE. An interrupted dump
    // (NLM_F_DUMP_INTR) is restarted from scratch, up to 5 attempts, so `on_reply` runs only on a
    // consistent snapshot, after the dump has completed.
    void dump(message& msg, const std::string& what, const std::function<void(const nlmsghdr&)>& on_reply);

    // Sends `batch`, several messages already stamped with numbers from next_seq() (nfnetlink's
    // BEGIN, commands, END), in one datagram, after growing the kernel's receive buffer to hold
    // their ACKs (the send buffer grows if the batch does not fit). Reads replies in bulk until
    // every message sent with NLM_F_ACK has its ACK, and returns those in batch order (err 0:
    // accepted). A refusal of a message without NLM_F_ACK (of the batch as a whole: no permission,
    // no such subsystem) throws netlink::error naming `what`.
    std::vector<ack> send_batch(std::span<const std::byte> batch, const std::string& what);

private:
    socket(unique_fd fd, std::uint32_t port_id);

    // Sends one datagram to the kernel; one longer than the send buffer grows it first.
    void transmit(std::span<const std::byte> datagram, const std::string& what);
    // Sends `msg` stamped with a new sequence number; returns that number.
    std::uint32_t send(message& msg, const std::string& what);
    // One datagram of a receive: the bytes kept (as many as fit its slot) and its length as the
    // kernel sent it.
    struct datagram {
        const std::byte* data = nullptr;
        std::size_t kept = 0;
        std::size_t sent = 0;
        bool truncated() const noexcept { return sent > kept; }
    };
    // Waits (with `wait`; else returns empty when nothing is queued) for the first datagram, then
    // takes those already queued behind it, up to `slots`: the buffer is split evenly between them.
    // Only datagrams from the kernel count. The views last until the next receive.
    std::span<const datagram> receive(std::size_t slots, bool wait, const std::string& what);
    // Asks that the next receive's buffer hold a `bytes` datagram in each of `slots` slots.
    void grow_for(std::size_t bytes, std::size_t slots);
    struct replies {
        std::vector<message> messages;
        bool interrupted = false;  // some reply carried NLM_F_DUMP_INTR
        bool truncated = false;    // a reply did not fit the buffer (which grows for the next read)
        bool missing = false;      // the kernel answered ENOENT and the caller tolerates it
    };
    // Reads the replies to `seq` until its ACK (or, with `until_done`, NLMSG_DONE), keeping copies
    // of the data messages; throws netlink::error on a refusal.
    // With `missing_ok`, ENOENT sets `missing` instead of throwing.
    replies collect(std::uint32_t seq, const std::string& what, bool until_done, bool missing_ok = false);
    // Sends a read (a get, or a dump with `until_done`) and collects its replies; sends it again,
    // up to 5 attempts in all, while the dump was interrupted or a reply did not fit.
    replies read(message& msg, const std::string& what, bool until_done, bool missing_ok = false);
    // Grows the kernel's receive buffer to hold `acks` ACKs and a reply.
    void reserve(std::size_t acks);

    unique_fd lease_;  // declared before fd_, so closed after it
    unique_fd fd_;
    std::uint32_t port_id_ = 0;
    std::uint32_t seq_ = 0;
    int rcvbuf_ = 0;  // the kernel's receive buffer size as last read back; 0 until a batch needed it
    byte_buffer buffer_;
    std::size_t wanted_ = 0;  // the size the next receive grows buffer_ to
    std::vector<datagram> received_;
};

}  // namespace wharf::netlink
