#include "firewalld.hpp"

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "dbus/error.hpp"
#include "dbus/wire.hpp"

namespace wharf::firewall::firewalld {

namespace {

constexpr const char* service = "org.fedoraproject.FirewallD1";
constexpr const char* object = "/org/fedoraproject/FirewallD1";
constexpr const char* zone_interface = "org.fedoraproject.FirewallD1.zone";

// firewalld's error replies carry its error code first in the message: "ZONE_ALREADY_SET: 10.0.0.2/32".
bool firewalld_says(const dbus::error& e, std::string_view code) { return e.message().starts_with(code); }

cni::error refused(const std::string& what, const dbus::error& e) {
    const bool stuck = e.name() == dbus::no_reply;
    return cni::error(stuck ? cni::code::try_again_later : cni::code::internal, "firewalld: " + what + ": " + e.message(),
                      "D-Bus error " + e.name());
}

}  // namespace

std::string source_of(const net::ip_address& a) {
    return a.to_string() + (a.fam() == net::family::v4 ? "/32" : "/128");
}

std::optional<client> client::find(std::string* why_not) {
    const std::string address = dbus::system_bus_address();
    try {
        auto bus = dbus::connection::open(address, call_timeout);
        dbus::method_call owner{.destination = "org.freedesktop.DBus", .path = "/org/freedesktop/DBus",
                                .interface = "org.freedesktop.DBus", .member = "GetNameOwner", .signature = "s", .body = {}};
        dbus::writer(owner.body).string(service);
        bus.call(owner, call_timeout);  // NameHasNoOwner when firewalld does not run
        return client(std::move(bus));
    } catch (const dbus::error& e) {
        if (e.name() == dbus::no_reply)
            throw cni::error(cni::code::try_again_later, "the system bus does not answer", address + ": " + e.what());
        if (why_not) *why_not = "system bus " + address + ": " + e.what();
    } catch (const std::exception& e) {
        if (why_not) *why_not = "system bus " + address + ": " + e.what();
    }
    return std::nullopt;
}

client client::require() {
    std::string why;
    if (auto c = find(&why)) return std::move(*c);
    throw cni::error(cni::code::try_again_later, "backend \"firewalld\": firewalld does not answer on the system bus", why);
}

dbus::message client::call(const std::string& member, const std::string& zone, const std::string& source) {
    dbus::method_call c{.destination = service, .path = object, .interface = zone_interface, .member = member,
                        .signature = "ss", .body = {}};
    dbus::writer w(c.body);
    w.string(zone);
    w.string(source);
    return bus_.call(c, call_timeout);
}

bool client::add_source(const std::string& zone, const std::string& source) {
    try {
        call("addSource", zone, source);
        return true;
    } catch (const dbus::error& e) {
        if (firewalld_says(e, "ZONE_ALREADY_SET")) return false;
        throw refused("add source " + source + " to zone " + zone, e);
    } catch (const os_error& e) {
        throw cni::error(cni::code::try_again_later, "firewalld: add source " + source + ": lost the bus", e.what());
    }
}

bool client::remove_source(const std::string& zone, const std::string& source) {
    try {
        call("removeSource", zone, source);
        return true;
    } catch (const dbus::error& e) {
        // Not there (any more): a restarted firewalld forgot it, or someone removed it by hand.
        if (firewalld_says(e, "UNKNOWN_SOURCE") || firewalld_says(e, "INVALID_ZONE") || firewalld_says(e, "ZONE_CONFLICT"))
            return false;
        throw refused("remove source " + source + " from zone " + zone, e);
    } catch (const os_error& e) {
        throw cni::error(cni::code::try_again_later, "firewalld: remove source " + source + ": lost the bus", e.what());
    }
}

bool client::query_source(const std::string& zone, const std::string& source) {
    try {
        const dbus::message reply = call("querySource", zone, source);
        if (reply.signature != "b")
            throw cni::error(cni::code::internal, "firewalld: querySource answered with signature \"" + reply.signature + "\"");
        auto r = reply.body_reader();
        return r.boolean();
    } catch (const dbus::error& e) {
        throw refused("query source " + source + " in zone " + zone, e);
    } catch (const os_error& e) {
        throw cni::error(cni::code::try_again_later, "firewalld: query source " + source + ": lost the bus", e.what());
    }
}

}  // namespace wharf::firewall::firewalld
