#pragma once
// connection: a client's connection to a D-Bus message bus over a unix socket, enough to call
// methods and wait for their replies: SASL EXTERNAL authentication, Hello, then one call at a time.
// Signals and other messages that arrive meanwhile are dropped. Every step has a deadline, so a bus
// or a service that hangs costs at most the timeout given, never a hang.
#include <chrono>
#include <cstdint>
#include <string>

#include "base/unique_fd.hpp"
#include "dbus/message.hpp"

namespace wharf::dbus {

// The system bus's address: $DBUS_SYSTEM_BUS_ADDRESS, else the specification's default.
std::string system_bus_address();

struct method_call {
    std::string destination, path, interface, member;
    std::string signature;  // of the body
    std::string body;       // marshalled with dbus::writer
};

class connection {
public:
    // Connects to the first unix: (path= or abstract=) entry of `address` that answers and
    // authenticates. Throws os_error when no socket can be reached (errno of the last attempt),
    // dbus::error when the bus refuses or does not answer in time.
    static connection open(const std::string& address, std::chrono::milliseconds timeout);

    // Sends `call` and waits for its reply: the method return, or dbus::error for an error reply or
    // for none within `timeout`.
    message call(const method_call& call, std::chrono::milliseconds timeout);

    const std::string& unique_name() const noexcept { return unique_name_; }

private:
    explicit connection(unique_fd fd) noexcept : fd_(std::move(fd)) {}
    using deadline = std::chrono::steady_clock::time_point;
    void send(const std::string& bytes, deadline until);
    message receive(deadline until);
    std::string read_line(deadline until);
    void fill(deadline until);  // reads what is there into in_, waiting until something is
    std::uint32_t next_serial() noexcept { return ++serial_; }
    message await_reply(std::uint32_t serial, deadline until);

    unique_fd fd_;
    std::uint32_t serial_ = 0;
    std::string unique_name_;
    std::string in_;  // received, not yet consumed
};

}  // namespace wharf::dbus
