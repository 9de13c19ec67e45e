#pragma once
// netfilter_socket(): the NETLINK_NETFILTER socket every nftables and conntrack user opens, borrowed
// from wharfd when it runs. Why borrow: the kernel makes whoever releases a netfilter socket after
// a commit wait for one RCU grace period (4-12 ms here) inside the nftables commit mutex. A plugin
// that borrowed its socket only drops its reference at exit; the agent keeps the socket open and
// lends it again, so nobody ever releases it. The commit itself is the plugin's own, on the lent
// socket: the kernel answers the plugin directly, every failed command is named as before, and
// nothing can be committed twice.
//
// The protocol (agent/lender.cpp is the other side), on the unix seqpacket socket
// <run dir>/wharfd.sock (0600, root's; the agent checks the peer is root too):
//   client            connects: that is the request
//   agent -> client   one byte, lend_granted with the socket as SCM_RIGHTS, or lend_refused
// The client keeps the connection open as long as it uses the socket: when it closes (at exit at
// the latest), the agent drains whatever is left queued on the socket and lends it again.
//
// Without an agent (no socket file, nobody listening, a full backlog), with an agent that refuses or
// does not answer within lend_timeout, or with a socket that is not a netfilter socket in the
// caller's network namespace, the caller opens its own socket, as it would without the agent.
#include <chrono>
#include <optional>
#include <string>

#include "netlink/socket.hpp"

namespace wharf::netlink {

inline constexpr char lend_granted = 'Y';
inline constexpr char lend_refused = 'N';
inline constexpr std::chrono::milliseconds lend_timeout{100};

// <run dir>/wharfd.sock.
std::string agent_socket_path();

// A netfilter socket in the calling thread's network namespace: borrowed when the agent lends one,
// else opened here. Throws os_error only when opening one here fails.
socket netfilter_socket();

// Only the borrowing half: nullopt whenever the agent does not lend a usable socket. Never throws.
std::optional<socket> borrow_netfilter_socket(const std::string& agent_path) noexcept;

// The agent opens its own sockets rather than asking itself: this turns borrowing off for the process.
void never_borrow() noexcept;

}  // namespace wharf::netlink
