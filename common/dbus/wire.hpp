#pragma once
// The D-Bus wire format (the specification's "Marshaling" section) for the types Wharf sends and
// reads: writer appends little-endian values to a message under construction, reader takes them
// back from a received one in either byte order, bounds-checked, and skips any complete type it
// does not need. Offsets are counted from the start of the message, which is what D-Bus aligns to
// (a body starts 8-aligned, so aligning within the body alone gives the same padding).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wharf::dbus {

class writer {
public:
    explicit writer(std::string& out) noexcept : out_(out) {}
    void align(std::size_t n);
    void byte(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u32(std::uint32_t v);
    void boolean(bool v) { u32(v ? 1 : 0); }
    // STRING and OBJECT_PATH. Wharf sends ASCII only; a NUL or a non-ASCII byte throws
    // std::invalid_argument rather than reach the bus, which drops a connection that sends invalid UTF-8.
    void string(std::string_view s);
    void signature(std::string_view s);
    // An ARRAY: begin_array writes the length's place and the padding to the first element;
    // end_array fills the length in with the bytes written since.
    struct array_mark {
        std::size_t length_at;  // where the length goes
        std::size_t first;      // where the first element starts
    };
    array_mark begin_array(std::size_t element_alignment);
    void end_array(array_mark mark);
    std::size_t size() const noexcept { return out_.size(); }

private:
    std::string& out_;
};

// Throws std::runtime_error("D-Bus message: ...") when the data ends early or breaks the format.
class reader {
public:
    reader(std::string_view message, std::size_t pos, bool big_endian) noexcept
        : data_(message), pos_(pos), big_endian_(big_endian) {}
    void align(std::size_t n);
    std::uint8_t byte();
    std::uint32_t u32();
    bool boolean();
    std::string string();     // STRING, OBJECT_PATH
    std::string signature();  // SIGNATURE
    // Skips one value of the complete type at the front of `sig`, and removes that type from `sig`.
    void skip(std::string_view& sig, int depth = 0);
    std::size_t pos() const noexcept { return pos_; }

private:
    const char* take(std::size_t n);
    std::string_view data_;
    std::size_t pos_;
    bool big_endian_;
};

// The alignment of values of the type whose signature starts with `code`.
std::size_t alignment_of(char code);

// Throws std::runtime_error("D-Bus message: <why>"): how the reader and the message parser refuse data.
[[noreturn]] void malformed(const std::string& why);

}  // namespace wharf::dbus
