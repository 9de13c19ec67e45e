#pragma once
// netlink::socket: an open, bound netlink socket (libmnl) and the request/reply discipline on it.
// Only replies carrying our sequence number and port id count; anything else is skipped.
// The socket stays in the network namespace it was opened in (see netns::open_socket).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/byte_buffer.hpp"
#include "netlink/message.hpp"

struct mnl_socket;

namespace wharf::netlink {

class socket {
public:
    // NETLINK_ROUTE, NETLINK_NETFILTER, ...: opens (close-on-exec), asks for extended and capped
    // ACKs where the kernel supports them, and binds. Throws os_error.
    static socket open(int protocol);

    socket(socket&&) noexcept = default;
    socket& operator=(socket&&) noexcept = default;
    ~socket();

    int fd() const noexcept;
    std::uint32_t port_id() const noexcept { return port_id_; }
    // A fresh sequence number; request/dump/get stamp one on each message themselves.
    std::uint32_t next_seq() noexcept { return ++seq_; }

    // Sends `msg` with NLM_F_ACK and waits for its ACK. `what` names the operation and its object
    // ("create bridge \"br0\""); a refusal throws netlink::error(errno, what, extack).
    void request(message& msg, const std::string& what);
    // Sends `msg` with NLM_F_ACK and returns the one reply it expects (RTM_GETLINK by name gives
    // an RTM_NEWLINK). Throws netlink::error on refusal, or if no reply came before the ACK.
    message get(message& msg, const std::string& what);
    // Sends `msg` with NLM_F_DUMP and collects every reply until NLMSG_DONE. An interrupted dump
    // (NLM_F_DUMP_INTR) is restarted from scratch, up to 5 attempts, so `on_reply` runs only on a
    // consistent snapshot, after the dump has completed.
    void dump(message& msg, const std::string& what, const std::function<void(const nlmsghdr&)>& on_reply);

private:
    struct closer {
        void operator()(mnl_socket* s) const noexcept;
    };
    socket(std::unique_ptr<mnl_socket, closer> sock, std::uint32_t port_id, std::uint32_t seq);

    // Sends `msg` stamped with a new sequence number; returns that number.
    std::uint32_t send(message& msg, const std::string& what);
    // Receives one datagram into buffer_ (grown to fit) and returns its length.
    std::size_t receive(const std::string& what);
    struct replies {
        std::vector<message> messages;
        bool interrupted = false;  // some reply carried NLM_F_DUMP_INTR
    };
    // Reads the replies to `seq` until its ACK (or, with `until_done`, NLMSG_DONE), keeping copies
    // of the data messages; throws netlink::error on a refusal.
    replies collect(std::uint32_t seq, const std::string& what, bool until_done);

    std::unique_ptr<mnl_socket, closer> sock_;
    std::uint32_t port_id_ = 0;
    std::uint32_t seq_ = 0;
    byte_buffer buffer_;
};

}  // namespace wharf::netlink
