#include "dbus/wire.hpp"

#include <cstring>
#include <stdexcept>

namespace wharf::dbus {

void malformed(const std::string& why) { throw std::runtime_error("D-Bus message: " + why); }

namespace {

// Arrays and structs nest at most 32 deep each (the specification's limit); 64 covers both.
constexpr int max_depth = 64;

// The length in bytes of the complete type at the front of `sig`.
std::size_t type_length(std::string_view sig, int depth = 0) {
    if (sig.empty() || depth > max_depth) malformed("bad signature");
    switch (sig.front()) {
    case 'a': return 1 + type_length(sig.substr(1), depth + 1);
    case '(':
    case '{': {
        const char close = sig.front() == '(' ? ')' : '}';
        std::size_t i = 1;
        while (i < sig.size() && sig[i] != close) i += type_length(sig.substr(i), depth + 1);
        if (i >= sig.size()) malformed("unclosed struct in signature");
        return i + 1;
    }
    default: return 1;
    }
}

}  // namespace

std::size_t alignment_of(char code) {
    switch (code) {
    case 'y': case 'g': case 'v': return 1;
    case 'n': case 'q': return 2;
    case 'b': case 'i': case 'u': case 'h': case 's': case 'o': case 'a': return 4;
    case 'x': case 't': case 'd': case '(': case '{': return 8;
    default: malformed(std::string("unknown type code '") + code + "'");
    }
}

void writer::align(std::size_t n) {
    while (out_.size() % n != 0) out_.push_back('\0');
}

void writer::u32(std::uint32_t v) {
    align(4);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void writer::string(std::string_view s) {
    for (unsigned char c : s)
        if (c == 0 || c >= 0x80) throw std::invalid_argument("D-Bus string holds a NUL or non-ASCII byte");
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
    out_.push_back('\0');
}

void writer::signature(std::string_view s) {
    if (s.size() > 255) throw std::invalid_argument("D-Bus signature longer than 255 bytes");
    byte(static_cast<std::uint8_t>(s.size()));
    out_.append(s);
    out_.push_back('\0');
}

writer::array_mark writer::begin_array(std::size_t element_alignment) {
    u32(0);
    array_mark mark{.length_at = out_.size() - 4, .first = 0};
    align(element_alignment);
    mark.first = out_.size();
    return mark;
}

void writer::end_array(array_mark mark) {
    // The length counts from the first element: the padding after the length is not part of it.
    const auto n = static_cast<std::uint32_t>(out_.size() - mark.first);
    for (int i = 0; i < 4; ++i) out_[mark.length_at + i] = static_cast<char>((n >> (8 * i)) & 0xff);
}

const char* reader::take(std::size_t n) {
    if (n > data_.size() - pos_) malformed("ends early");
    const char* p = data_.data() + pos_;
    pos_ += n;
    return p;
}

void reader::align(std::size_t n) {
    const std::size_t padded = (pos_ + n - 1) / n * n;
    take(padded - pos_);
}

std::uint8_t reader::byte() { return static_cast<std::uint8_t>(*take(1)); }

std::uint32_t reader::u32() {
    align(4);
    const auto* p = reinterpret_cast<const unsigned char*>(take(4));
    return big_endian_ ? (std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3])
                       : (std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0]);
}

bool reader::boolean() {
    const std::uint32_t v = u32();
    if (v > 1) malformed("boolean is neither 0 nor 1");
    return v == 1;
}

std::string reader::string() {
    const std::uint32_t n = u32();
    if (n == UINT32_MAX) malformed("string too long");
    const char* p = take(std::size_t{n} + 1);
    if (p[n] != '\0') malformed("string not NUL-terminated");
    return std::string(p, n);
}

std::string reader::signature() {
    const std::uint8_t n = byte();
    const char* p = take(std::size_t{n} + 1);
    if (p[n] != '\0') malformed("signature not NUL-terminated");
    return std::string(p, n);
}

void reader::skip(std::string_view& sig, int depth) {
    if (sig.empty() || depth > max_depth) malformed("bad signature");
    const char code = sig.front();
    const std::size_t length = type_length(sig);
    std::string_view inner = sig.substr(1, length - 1);
    sig.remove_prefix(length);
    switch (code) {
    case 'y': take(1); return;
    case 'n': case 'q': align(2); take(2); return;
    case 'b': case 'i': case 'u': case 'h': align(4); take(4); return;
    case 'x': case 't': case 'd': align(8); take(8); return;
    case 's': case 'o': string(); return;
    case 'g': signature(); return;
    case 'v': {
        const std::string contained = signature();
        std::string_view rest = contained;
        skip(rest, depth + 1);
        if (!rest.empty()) malformed("variant holds more than one type");
        return;
    }
    case 'a': {
        const std::uint32_t n = u32();
        align(alignment_of(inner.front()));
        take(n);
        return;
    }
    case '(':
    case '{':
        align(8);
        inner.remove_suffix(1);  // the closing bracket
        while (!inner.empty()) skip(inner, depth + 1);
        return;
    default: malformed(std::string("unknown type code '") + code + "'");
    }
}

}  // namespace wharf::dbus
