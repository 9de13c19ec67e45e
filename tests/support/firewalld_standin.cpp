#include "support/firewalld_standin.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/watch.hpp"

namespace wharf::test {

namespace {

// Waits up to 10 s for `ready` to hold, failing with `what` and the log at `log`.
template <typename F>
void wait_until(F ready, const std::string& what, const std::string& log) {
    using namespace std::chrono_literals;
    for (auto until = std::chrono::steady_clock::now() + 10s; !ready();) {
        if (std::chrono::steady_clock::now() > until) throw std::runtime_error(what + " did not start: " + read_all(log));
        std::this_thread::sleep_for(20ms);
    }
}

}  // namespace

firewalld_standin::firewalld_standin(const netns_sandbox& host) {
    char tmpl[] = "/tmp/wfw-dbus-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const std::string socket = dir_ + "/system_bus_socket";
    std::string conf = read_all(std::string(WHARF_SOURCE_DIR) + "/tests/firewalld/bus.conf.in");
    conf.replace(conf.find("@SOCKET@"), 8, socket);
    std::ofstream(dir_ + "/bus.conf") << conf;
    bus_ = std::make_unique<background_process>(
        std::vector<std::string>{"/usr/bin/dbus-daemon", "--config-file=" + dir_ + "/bus.conf", "--nofork", "--nopidfile"},
        dir_ + "/bus.log");
    struct stat st {};
    wait_until([&] { return ::stat(socket.c_str(), &st) == 0; }, "dbus-daemon", dir_ + "/bus.log");
    firewalld_ = std::make_unique<background_process>(
        std::vector<std::string>{"/usr/bin/python3", std::string(WHARF_SOURCE_DIR) + "/tests/firewalld/standin.py",
                                 address(), dir_ + "/calls.log"},
        dir_ + "/firewalld.log", host.path());
    wait_until([&] { return read_all(dir_ + "/firewalld.log").find("ready") != std::string::npos; }, "the stand-in firewalld",
               dir_ + "/firewalld.log");
}

firewalld_standin::~firewalld_standin() {
    firewalld_.reset();
    bus_.reset();
    run_shell("rm -rf '" + dir_ + "'");
}

std::string firewalld_standin::calls() const { return read_all(dir_ + "/calls.log"); }

void firewalld_standin::stop_firewalld() { firewalld_.reset(); }

std::string firewalld_standin::admin_call(const std::string& member, const std::string& zone, const std::string& source,
                                          int* rc) const {
    return run_shell("DBUS_SYSTEM_BUS_ADDRESS='" + address() +
                         "' dbus-send --system --print-reply --dest=org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 "
                         "org.fedoraproject.FirewallD1.zone." + member + " string:" + zone + " string:" + source + " 2>&1",
                     rc);
}

}  // namespace wharf::test
