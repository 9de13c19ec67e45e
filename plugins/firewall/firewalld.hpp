#pragma once
// firewalld over D-Bus, as the reference plugin drives it: an attachment's addresses become sources
// of a zone (default "trusted") with org.fedoraproject.FirewallD1.zone.addSource, and firewalld's own
// forwarding filter then lets them through. Sources are host prefixes ("10.88.0.2/32",
// "fd00::2/128"), the form the reference adds, so either plugin's DEL removes the other's.
#include <chrono>
#include <optional>
#include <string>

#include "dbus/connection.hpp"
#include "net/ip_address.hpp"

namespace wharf::firewall::firewalld {

// How long one call may take. firewalld answers in milliseconds; one that does not answer in this
// time is stuck, and an ADD or DEL fails with code 11 rather than hang.
inline constexpr std::chrono::milliseconds call_timeout{5000};

std::string source_of(const net::ip_address& a);

class client {
public:
    // A connection to the system bus (dbus::system_bus_address()) on which firewalld owns its name;
    // nullopt when firewalld is not there (no bus socket, the bus refuses us, the name has no owner),
    // `why_not` (when given) saying which. A bus that does not answer in time throws cni::error code 11.
    static std::optional<client> find(std::string* why_not = nullptr);
    // As find(), but firewalld's absence throws cni::error code 11 too (it may be restarting).
    static client require();

    // Puts `source` into `zone`: false when it was there already (firewalld's ZONE_ALREADY_SET).
    // Any other refusal throws cni::error naming firewalld's own error.
    bool add_source(const std::string& zone, const std::string& source);
    // Takes `source` out of `zone`: false when firewalld did not have it there.
    bool remove_source(const std::string& zone, const std::string& source);
    bool query_source(const std::string& zone, const std::string& source);

private:
    explicit client(dbus::connection c) noexcept : bus_(std::move(c)) {}
    dbus::message call(const std::string& member, const std::string& zone, const std::string& source);
    dbus::connection bus_;
};

}  // namespace wharf::firewall::firewalld
