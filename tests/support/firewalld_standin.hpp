#pragma once
// firewalld_standin: a private D-Bus system bus (dbus-daemon, in a temp dir) with the stand-in
// firewalld of tests/firewalld/standin.py on it, acting in the given "host" namespace. Both are
// stopped by their PIDs on destruction, and the stand-in removes its nftables table as it stops.
#include <memory>
#include <string>

#include "support/background_process.hpp"
#include "support/sandbox.hpp"

namespace wharf::test {

class firewalld_standin {
public:
    explicit firewalld_standin(const netns_sandbox& host);
    ~firewalld_standin();
    firewalld_standin(const firewalld_standin&) = delete;
    firewalld_standin& operator=(const firewalld_standin&) = delete;

    // For DBUS_SYSTEM_BUS_ADDRESS.
    std::string address() const { return "unix:path=" + dir_ + "/system_bus_socket"; }
    // The calls that reached the stand-in, one "member zone source" a line.
    std::string calls() const;
    // Stops firewalld (the bus stays), as `systemctl stop firewalld` would.
    void stop_firewalld();
    // A call made with dbus-send, as an administrator's firewall-cmd would; returns dbus-send's output.
    std::string admin_call(const std::string& member, const std::string& zone, const std::string& source, int* rc = nullptr) const;

private:
    std::string dir_;
    std::unique_ptr<background_process> bus_;
    std::unique_ptr<background_process> firewalld_;
};

}  // namespace wharf::test
