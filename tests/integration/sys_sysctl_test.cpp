// sysctl read/write, only ever inside a sandbox namespace: the host's values are never changed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "base/os_error.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"
#include "sys/sysctl.hpp"

using namespace wharf;

TEST_CASE("write and read net/ipv4/ip_forward inside a namespace through a guard") {
    REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)");
    const std::string host_before = sys::sysctl::read("net/ipv4/ip_forward");
    test::netns_sandbox sandbox("wsc");
    const auto ns = netns::handle::open(sandbox.path());
    // A new namespace copies IPv4 settings from the host's (devconf_inherit_init_net=0), so flip
    // whatever it starts with.
    std::string target;
    {
        netns::guard in(ns);
        const std::string initial = sys::sysctl::read("net/ipv4/ip_forward");
        REQUIRE((initial == "0" || initial == "1"));
        target = std::string(initial == "1" ? "0" : "1");
        sys::sysctl::write("net/ipv4/ip_forward", target);
        CHECK(sys::sysctl::read("net/ipv4/ip_forward") == target);
        sys::sysctl::write("net/ipv6/conf/lo/disable_ipv6", "1");
        CHECK(sys::sysctl::read("net/ipv6/conf/lo/disable_ipv6") == "1");
    }
    // An independent look inside, and the host untouched.
    CHECK(sandbox.exec("cat /proc/sys/net/ipv4/ip_forward").substr(0, 1) == target);
    CHECK(sys::sysctl::read("net/ipv4/ip_forward") == host_before);
}

TEST_CASE("errors name the key; bad keys are refused before touching /proc") {
    REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)");
    test::netns_sandbox sandbox("wsc");
    const auto ns = netns::handle::open(sandbox.path());
    netns::guard in(ns);
    try {
        sys::sysctl::write("net/ipv4/conf/wharfnothere/forwarding", "1");
        FAIL("write to a missing key succeeded");
    } catch (const os_error& e) {
        CHECK(e.code_value() == ENOENT);
        CHECK(std::string(e.what()).find("net/ipv4/conf/wharfnothere/forwarding") != std::string::npos);
    }
    try {
        sys::sysctl::read("net/ipv4/wharf_missing");
        FAIL("read of a missing key succeeded");
    } catch (const os_error& e) {
        CHECK(e.code_value() == ENOENT);
        CHECK(std::string(e.what()).find("net/ipv4/wharf_missing") != std::string::npos);
    }
    try {
        sys::sysctl::write("net/ipv4/ip_forward", "banana");
        FAIL("the kernel accepted a non-number");
    } catch (const os_error& e) {
        CHECK(e.code_value() == EINVAL);
        CHECK(std::string(e.what()).find("net/ipv4/ip_forward=banana") != std::string::npos);
    }
    CHECK_THROWS_AS(sys::sysctl::read("../etc/passwd"), std::invalid_argument);
    CHECK_THROWS_AS(sys::sysctl::write("/proc/sys/net/ipv4/ip_forward", "1"), std::invalid_argument);
    CHECK_THROWS_AS(sys::sysctl::read(""), std::invalid_argument);
}
