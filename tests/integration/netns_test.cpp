// Network namespace handles, the guard that enters one, and sockets opened inside one.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "base/os_error.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"

using namespace wharf;

namespace {

void require_root() { REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)"); }

// The inode of the calling thread's network namespace, read without our code.
ino_t thread_netns_inode() {
    struct stat st {};
    REQUIRE(stat("/proc/thread-self/ns/net", &st) == 0);
    return st.st_ino;
}

// A regular file in /tmp, removed on scope exit.
struct temp_file {
    temp_file() {
        int fd = mkstemp(path.data());
        REQUIRE(fd >= 0);
        close(fd);
    }
    ~temp_file() { unlink(path.c_str()); }
    std::string path = "/tmp/wharf-netns-test-XXXXXX";
};

}  // namespace

TEST_CASE("open accepts namespace files: a bind mount under /run/netns and /proc/<pid>/ns/net") {
    require_root();
    test::netns_sandbox sandbox("wns");
    const auto ns = netns::handle::open(sandbox.path());
    CHECK(ns.fd() >= 0);
    CHECK(ns.path() == sandbox.path());
    CHECK((fcntl(ns.fd(), F_GETFD) & FD_CLOEXEC) != 0);
    const auto self = netns::handle::open("/proc/self/ns/net");
    CHECK(self.inode() == thread_netns_inode());
    CHECK(ns.inode() != self.inode());
    CHECK(netns::handle::current().inode() == thread_netns_inode());
}

TEST_CASE("open of a regular file or a directory throws not_a_namespace carrying the path") {
    temp_file file;
    try {
        netns::handle::open(file.path);
        FAIL("a regular file was accepted as a namespace");
    } catch (const netns::not_a_namespace& e) {
        CHECK(e.path() == file.path);
        CHECK(std::string(e.what()).find(file.path) != std::string::npos);
    }
    CHECK_THROWS_AS(netns::handle::open("/tmp"), netns::not_a_namespace);
}

TEST_CASE("open of a missing path throws not_found, distinct from not_a_namespace") {
    const std::string missing = "/run/netns/" + test::unique_name("wgone");
    try {
        netns::handle::open(missing);
        FAIL("a missing namespace was opened");
    } catch (const netns::not_found& e) {
        CHECK(e.path() == missing);
    }
    CHECK_THROWS_AS(netns::handle::open("/tmp/wharf-no-such-dir/ns"), netns::not_found);
}

TEST_CASE("guard enters a namespace and restores the original one, also when unwinding") {
    require_root();
    test::netns_sandbox sandbox("wns");
    const auto ns = netns::handle::open(sandbox.path());
    const ino_t before = thread_netns_inode();
    {
        netns::guard in(ns);
        CHECK(thread_netns_inode() == ns.inode());
        CHECK(thread_netns_inode() != before);
    }
    CHECK(thread_netns_inode() == before);

    try {
        netns::guard in(ns);
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    CHECK(thread_netns_inode() == before);

    // Nested guards unwind in order.
    test::netns_sandbox second("wns");
    const auto ns2 = netns::handle::open(second.path());
    {
        netns::guard outer(ns);
        {
            netns::guard inner(ns2);
            CHECK(thread_netns_inode() == ns2.inode());
        }
        CHECK(thread_netns_inode() == ns.inode());
    }
    CHECK(thread_netns_inode() == before);
}

TEST_CASE("a guard that cannot enter throws os_error and leaves the thread where it was") {
    require_root();
    const ino_t before = thread_netns_inode();
    // A mount namespace file is a namespace, but not a network one: setns(CLONE_NEWNET) refuses it.
    const auto mnt = netns::handle::open("/proc/self/ns/mnt");
    try {
        netns::guard in(mnt);
        FAIL("entered a mount namespace as a network namespace");
    } catch (const os_error& e) {
        CHECK(e.code_value() == EINVAL);
        CHECK(std::string(e.what()).find("/proc/self/ns/mnt") != std::string::npos);
    }
    CHECK(thread_netns_inode() == before);
}

TEST_CASE("open_socket: a socket bound inside the namespace, used from the host") {
    require_root();
    test::netns_sandbox sandbox("wns");
    const auto ns = netns::handle::open(sandbox.path());
    const ino_t before = thread_netns_inode();
    auto nl = netns::open_socket(ns, NETLINK_ROUTE);
    CHECK(thread_netns_inode() == before);
    CHECK(nl.port_id() != 0);

    // A fresh namespace holds only lo, and what we create through the socket appears there, not here.
    const auto links = netlink::link::list_links(nl);
    REQUIRE(links.size() == 1);
    CHECK(links[0].name == "lo");
    const std::string name = test::unique_name("wns");
    netlink::link::create_veth(nl, {.name = name, .peer_name = test::unique_name("wnp")});
    int rc = -1;
    sandbox.exec("ip link show dev " + name + " >/dev/null 2>&1", &rc);
    CHECK(rc == 0);
    test::run_shell("ip link show dev " + name + " >/dev/null 2>&1", &rc);
    CHECK(rc != 0);
}
