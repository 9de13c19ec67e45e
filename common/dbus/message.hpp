#pragma once
// A D-Bus message: the header fields Wharf uses and the marshalled body. encode() builds one to
// send (always little-endian); decode() reads one received, in either byte order, skipping the
// header fields it does not know.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dbus/wire.hpp"

namespace wharf::dbus {

enum class message_type : std::uint8_t { method_call = 1, method_return = 2, error = 3, signal = 4 };

struct message {
    message_type type = message_type::method_call;
    std::uint8_t flags = 0;
    std::uint32_t serial = 0;
    std::string path, interface, member, error_name, destination, sender;
    std::uint32_t reply_serial = 0;
    std::string signature;  // of the body
    std::string body;       // marshalled, as if it started at offset 0 (bodies start 8-aligned)
    bool big_endian = false;

    // A reader over the body.
    reader body_reader() const noexcept { return reader(body, 0, big_endian); }
};

// The serialized message (serial and every field as set).
std::string encode(const message& m);

// The fixed part of a header: 16 bytes. Given them, the length of the whole message; throws
// std::runtime_error for a header that is not D-Bus or announces more than `limit` bytes.
constexpr std::size_t fixed_header_size = 16;
std::size_t message_length(std::string_view fixed_header, std::size_t limit);

// Decodes one whole message (exactly message_length bytes). Throws std::runtime_error when malformed.
message decode(std::string_view data);

}  // namespace wharf::dbus
