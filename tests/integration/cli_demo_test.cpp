// `wharf demo` end to end: it must pass its own checks and leave the machine as it found it. It uses
// Wharf's plugins when bridge and portmap are built, else the reference plugins in /usr/lib/cni.
// The demo's "host" is a throwaway network namespace (nsenter --net), so the test never touches the
// real host's links, sysctls or ruleset; the test runs serially because it compares /run/netns.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "support/sandbox.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("wharf demo passes and leaves nothing behind") {
    std::string bin = WHARF_BIN_DIR;
    bool ours = fs::exists(bin + "/bridge") && fs::exists(bin + "/portmap") && fs::exists(bin + "/host-local");
    std::string path = ours ? bin : "/usr/lib/cni";
    if (!ours) REQUIRE(fs::exists("/usr/lib/cni/bridge"));
    netns_sandbox host("wdh");
    host.exec("ip link set lo up");  // a real host's loopback is up: the demo reaches 127.0.0.1:8080
    const std::string in_host = "nsenter --net=" + host.path() + " ";
    auto netns_before = run_shell("ls /run/netns");
    auto links_before = run_shell(in_host + "ip -br link | awk '{print $1}' | sort");
    auto forward_before = run_shell(in_host + "sysctl -n net.ipv4.ip_forward");
    auto tables_before = run_shell(in_host + "nft list tables");
    int rc = -1;
    auto out = run_shell("CNI_PATH=" + path + " " + in_host + bin + "/wharf demo --conf-dir " WHARF_SOURCE_DIR "/conf-examples 2>&1", &rc);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("demo: all 5 checks passed") != std::string::npos);
    CHECK(out.find("masquerade") != std::string::npos);
    CHECK(run_shell("ls /run/netns") == netns_before);
    CHECK(run_shell(in_host + "ip -br link | awk '{print $1}' | sort") == links_before);
    CHECK(run_shell(in_host + "sysctl -n net.ipv4.ip_forward") == forward_before);
    CHECK(run_shell(in_host + "nft list tables") == tables_before);
    CHECK(run_shell("ls /tmp | grep wharf-demo || true").empty());
}

TEST_CASE("right after installing: no configuration, no CNI_PATH, the demo brings its network and finds its plugins") {
    std::string bin = WHARF_BIN_DIR;
    REQUIRE(fs::exists(bin + "/bridge"));
    netns_sandbox host("wdh");
    host.exec("ip link set lo up");
    char empty_dir[] = "/tmp/wharf-test-noconf-XXXXXX";
    REQUIRE(mkdtemp(empty_dir) != nullptr);
    int rc = -1;
    auto out = run_shell("env -u CNI_PATH NETCONFPATH=" + std::string(empty_dir) + " nsenter --net=" + host.path() + " " + bin +
                             "/wharf demo 2>&1",
                         &rc);
    fs::remove(empty_dir);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("using the demo's own") != std::string::npos);
    CHECK(out.find("plugins from " + bin) != std::string::npos);
    CHECK(out.find("demo: all 5 checks passed") != std::string::npos);
    CHECK(run_shell("nsenter --net=" + host.path() + " nft list tables").empty());
}

TEST_CASE("wharf demo cleans up when interrupted") {
    std::string bin = WHARF_BIN_DIR;
    bool ours = fs::exists(bin + "/bridge") && fs::exists(bin + "/portmap");
    std::string path = ours ? bin : "/usr/lib/cni";
    netns_sandbox host("wdh");
    host.exec("ip link set lo up");  // a real host's loopback is up: the demo reaches 127.0.0.1:8080
    const std::string in_host = "nsenter --net=" + host.path() + " ";
    auto netns_before = run_shell("ls /run/netns");
    auto links_before = run_shell(in_host + "ip -br link | awk '{print $1}' | sort");
    int rc = -1;
    auto out = run_shell("CNI_PATH=" + path + " " + in_host + bin + "/wharf demo --conf-dir " WHARF_SOURCE_DIR
                         "/conf-examples > /tmp/wharf-demo-int.$$ 2>&1 & p=$!; sleep 0.4; kill -INT $p; wait $p; echo rc=$?;"
                         " cat /tmp/wharf-demo-int.$$; rm -f /tmp/wharf-demo-int.$$",
                         &rc);
    INFO(out);
    CHECK((out.find("rc=130") != std::string::npos || out.find("rc=0") != std::string::npos));
    CHECK(out.find("removed") != std::string::npos);
    CHECK(run_shell("ls /run/netns") == netns_before);
    CHECK(run_shell(in_host + "ip -br link | awk '{print $1}' | sort") == links_before);
}
