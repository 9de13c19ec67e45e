// D-Bus messages: decoding what another implementation wrote (GLib's GDBusMessage, both byte orders,
// a header field Wharf does not use), encoding and decoding back, and refusing malformed input.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "dbus/message.hpp"
#include "dbus/wire.hpp"

using namespace wharf;

namespace {

std::string unhex(std::string_view h) {
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

// Made with python3-gi: Gio.DBusMessage.new_method_call("org.fedoraproject.FirewallD1",
// "/org/fedoraproject/FirewallD1", "org.fedoraproject.FirewallD1.zone", "addSource"), body
// ('trusted', '10.62.0.2/32'), serial 7, to_blob().
const std::string gdbus_call = unhex(
    "6c0100011d000000070000009a00000001016f001d0000002f6f72672f6665646f726170726f6a6563742f4669726577616c6c44310000"
    "0002017300210000006f72672e6665646f726170726f6a6563742e4669726577616c6c44312e7a6f6e6500000000000000060173001c00"
    "00006f72672e6665646f726170726f6a6563742e4669726577616c6c44310000000008016700027373000301730009000000616464536f"
    "75726365000000000000000700000074727573746564000c00000031302e36322e302e322f333200");
// Its error reply "ZONE_ALREADY_SET: 10.62.0.2/32", big-endian, serial 9, with sender, destination and
// NUM_UNIX_FDS (field 9, which Wharf skips).
const std::string gdbus_error = unhex(
    "4203010100000023000000090000006807017300000000043a312e3500000000090175000000000004017300000000266f72672e666564"
    "6f726170726f6a6563742e4669726577616c6c44312e457863657074696f6e000006017300000000043a312e3400000000080167000173"
    "000005017500000000070000001e5a4f4e455f414c52454144595f5345543a2031302e36322e302e322f333200");
// A method return to serial 7 with body (true,), serial 10.
const std::string gdbus_return = unhex("6c020101040000000a000000100000000801670001620000050175000700000001000000");

}  // namespace

TEST_CASE("a method call as GDBus writes it") {
    REQUIRE(dbus::message_length(gdbus_call, 1 << 20) == gdbus_call.size());
    const auto m = dbus::decode(gdbus_call);
    CHECK(m.type == dbus::message_type::method_call);
    CHECK(m.serial == 7);
    CHECK(m.path == "/org/fedoraproject/FirewallD1");
    CHECK(m.interface == "org.fedoraproject.FirewallD1.zone");
    CHECK(m.member == "addSource");
    CHECK(m.destination == "org.fedoraproject.FirewallD1");
    CHECK(m.signature == "ss");
    auto r = m.body_reader();
    CHECK(r.string() == "trusted");
    CHECK(r.string() == "10.62.0.2/32");
}

TEST_CASE("a big-endian error reply with a header field Wharf does not use") {
    const auto m = dbus::decode(gdbus_error);
    CHECK(m.big_endian);
    CHECK(m.type == dbus::message_type::error);
    CHECK(m.serial == 9);
    CHECK(m.reply_serial == 7);
    CHECK(m.error_name == "org.fedoraproject.FirewallD1.Exception");
    CHECK(m.sender == ":1.5");
    CHECK(m.destination == ":1.4");
    REQUIRE(m.signature == "s");
    auto r = m.body_reader();
    CHECK(r.string() == "ZONE_ALREADY_SET: 10.62.0.2/32");
}

TEST_CASE("a method return with a boolean") {
    const auto m = dbus::decode(gdbus_return);
    CHECK(m.type == dbus::message_type::method_return);
    CHECK(m.reply_serial == 7);
    REQUIRE(m.signature == "b");
    auto r = m.body_reader();
    CHECK(r.boolean());
}

TEST_CASE("what Wharf encodes decodes to the same message, with GDBus's body bytes") {
    dbus::message m;
    m.serial = 7;
    m.path = "/org/fedoraproject/FirewallD1";
    m.interface = "org.fedoraproject.FirewallD1.zone";
    m.member = "addSource";
    m.destination = "org.fedoraproject.FirewallD1";
    m.signature = "ss";
    dbus::writer w(m.body);
    w.string("trusted");
    w.string("10.62.0.2/32");
    const std::string bytes = dbus::encode(m);
    // The body is the same whoever encodes it: it ends GDBus's message.
    CHECK(gdbus_call.ends_with(m.body));
    const auto back = dbus::decode(bytes);
    CHECK(back.path == m.path);
    CHECK(back.interface == m.interface);
    CHECK(back.member == m.member);
    CHECK(back.destination == m.destination);
    CHECK(back.signature == "ss");
    CHECK(back.serial == 7);
    CHECK(back.body == m.body);
}

TEST_CASE("arrays: the length excludes the padding before the first element") {
    std::string out;
    dbus::writer w(out);
    const auto mark = w.begin_array(8);  // 4 bytes of length, 4 of padding
    w.u32(1);
    w.u32(2);
    w.end_array(mark);
    REQUIRE(out.size() == 16);
    dbus::reader r(out, 0, false);
    CHECK(r.u32() == 8);
    std::string_view sig = "a(uu)";
    dbus::reader skipper(out, 0, false);
    skipper.skip(sig);
    CHECK(sig.empty());
    CHECK(skipper.pos() == 16);
}

TEST_CASE("malformed or cut messages throw, never read past the end") {
    for (std::size_t n = 0; n < gdbus_error.size(); ++n) {
        const std::string cut = gdbus_error.substr(0, n);
        CHECK_THROWS_AS(dbus::decode(cut), std::runtime_error);
    }
    std::string bad_order = gdbus_return;
    bad_order[0] = 'x';
    CHECK_THROWS_AS(dbus::decode(bad_order), std::runtime_error);
    std::string bad_bool = gdbus_return;
    bad_bool.back() = 2;
    CHECK_THROWS_AS(dbus::decode(bad_bool).body_reader().boolean(), std::runtime_error);
    CHECK_THROWS_AS(dbus::message_length(gdbus_call, 64), std::runtime_error);  // over the caller's limit
    std::string out;
    dbus::writer w(out);
    CHECK_THROWS_AS(w.string(std::string("a\0b", 3)), std::invalid_argument);
    CHECK_THROWS_AS(w.string("\xc3\xa9"), std::invalid_argument);
}
