#include "dbus/message.hpp"

#include <stdexcept>

namespace wharf::dbus {

namespace {

// Header field codes (the specification's "Message Format" section).
enum field : std::uint8_t {
    path_field = 1,
    interface_field = 2,
    member_field = 3,
    error_name_field = 4,
    reply_serial_field = 5,
    destination_field = 6,
    sender_field = 7,
    signature_field = 8,
};

constexpr std::uint8_t protocol_version = 1;

std::size_t padded8(std::size_t n) { return (n + 7) / 8 * 8; }

void put_field(writer& w, field code, char type, const std::string& value) {
    if (value.empty()) return;
    w.align(8);
    w.byte(code);
    w.signature(std::string_view(&type, 1));
    if (type == 'g') w.signature(value);
    else w.string(value);
}

}  // namespace

std::string encode(const message& m) {
    std::string out;
    writer w(out);
    w.byte('l');
    w.byte(static_cast<std::uint8_t>(m.type));
    w.byte(m.flags);
    w.byte(protocol_version);
    w.u32(static_cast<std::uint32_t>(m.body.size()));
    w.u32(m.serial);
    const auto fields = w.begin_array(8);
    put_field(w, path_field, 'o', m.path);
    put_field(w, interface_field, 's', m.interface);
    put_field(w, member_field, 's', m.member);
    put_field(w, error_name_field, 's', m.error_name);
    if (m.reply_serial != 0) {
        w.align(8);
        w.byte(reply_serial_field);
        w.signature("u");
        w.u32(m.reply_serial);
    }
    put_field(w, destination_field, 's', m.destination);
    put_field(w, sender_field, 's', m.sender);
    put_field(w, signature_field, 'g', m.signature);
    w.end_array(fields);
    w.align(8);
    out += m.body;
    return out;
}

std::size_t message_length(std::string_view fixed, std::size_t limit) {
    if (fixed.size() < fixed_header_size) malformed("header shorter than 16 bytes");
    if (fixed[0] != 'l' && fixed[0] != 'B') malformed("unknown byte order");
    if (static_cast<std::uint8_t>(fixed[3]) != protocol_version) malformed("unknown protocol version");
    reader r(fixed, 4, fixed[0] == 'B');
    const std::uint64_t body = r.u32();
    r.u32();  // serial
    const std::uint64_t fields = r.u32();
    const std::uint64_t total = padded8(fixed_header_size + fields) + body;
    if (total > limit) malformed("announces " + std::to_string(total) + " bytes, more than the limit of " + std::to_string(limit));
    return static_cast<std::size_t>(total);
}

message decode(std::string_view data) {
    const std::size_t total = message_length(data, data.size());
    if (total != data.size()) malformed("length does not match its header");
    message m;
    m.big_endian = data[0] == 'B';
    const auto type = static_cast<std::uint8_t>(data[1]);
    if (type < 1 || type > 4) malformed("unknown message type " + std::to_string(type));
    m.type = static_cast<message_type>(type);
    m.flags = static_cast<std::uint8_t>(data[2]);
    reader r(data, 4, m.big_endian);
    const std::uint32_t body_length = r.u32();
    m.serial = r.u32();
    const std::uint32_t fields_length = r.u32();
    const std::size_t fields_end = fixed_header_size + fields_length;
    while (r.pos() < fields_end) {
        r.align(8);
        const std::uint8_t code = r.byte();
        const std::string type_sig = r.signature();
        auto text = [&](char expected) {
            if (type_sig.size() != 1 || type_sig[0] != expected) malformed("header field " + std::to_string(code) + " has type " + type_sig);
            return expected == 'g' ? r.signature() : r.string();
        };
        switch (code) {
        case path_field: m.path = text('o'); break;
        case interface_field: m.interface = text('s'); break;
        case member_field: m.member = text('s'); break;
        case error_name_field: m.error_name = text('s'); break;
        case destination_field: m.destination = text('s'); break;
        case sender_field: m.sender = text('s'); break;
        case signature_field: m.signature = text('g'); break;
        case reply_serial_field:
            if (type_sig != "u") malformed("reply serial is not a uint32");
            m.reply_serial = r.u32();
            break;
        default: {
            std::string_view rest = type_sig;
            r.skip(rest);
            if (!rest.empty()) malformed("header field holds more than one type");
        }
        }
    }
    if (r.pos() != fields_end) malformed("header fields overrun their array");
    const std::size_t body_start = padded8(fields_end);
    if (body_start + body_length != data.size()) malformed("body length does not match");
    m.body = std::string(data.substr(body_start));
    return m;
}

}  // namespace wharf::dbus
