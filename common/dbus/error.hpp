#pragma once
// dbus::error: an error reply (its D-Bus error name and message), or a call that got no reply in
// time (named org.freedesktop.DBus.Error.NoReply, as libdbus names it).
#include <stdexcept>
#include <string>

namespace wharf::dbus {

class error : public std::runtime_error {
public:
    error(std::string name, const std::string& message)
        : std::runtime_error(name + ": " + message), name_(std::move(name)), message_(message) {}
    const std::string& name() const noexcept { return name_; }
    const std::string& message() const noexcept { return message_; }

private:
    std::string name_;
    std::string message_;
};

inline constexpr const char* no_reply = "org.freedesktop.DBus.Error.NoReply";

}  // namespace wharf::dbus
