// `wharf demo` end to end: it must pass its own checks and leave the machine as it found it. It uses
// Wharf's plugins when bridge and portmap are built, else the reference plugins in /usr/lib/cni.
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
    auto netns_before = run_shell("ls /run/netns");
    auto links_before = run_shell("ip -br link | awk '{print $1}' | sort");
    auto forward_before = run_shell("sysctl -n net.ipv4.ip_forward");
    int rc = -1;
    auto out = run_shell("CNI_PATH=" + path + " " + bin + "/wharf demo --conf-dir " WHARF_SOURCE_DIR "/conf-examples 2>&1", &rc);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.find("demo: all 5 checks passed") != std::string::npos);
    CHECK(out.find("masquerade") != std::string::npos);
    CHECK(run_shell("ls /run/netns") == netns_before);
    CHECK(run_shell("ip -br link | awk '{print $1}' | sort") == links_before);
    CHECK(run_shell("sysctl -n net.ipv4.ip_forward") == forward_before);
    CHECK(run_shell("ls /tmp | grep wharf-demo || true").empty());
}

TEST_CASE("wharf demo cleans up when interrupted") {
    std::string bin = WHARF_BIN_DIR;
    bool ours = fs::exists(bin + "/bridge") && fs::exists(bin + "/portmap");
    std::string path = ours ? bin : "/usr/lib/cni";
    auto netns_before = run_shell("ls /run/netns");
    auto links_before = run_shell("ip -br link | awk '{print $1}' | sort");
    int rc = -1;
    auto out = run_shell("CNI_PATH=" + path + " " + bin + "/wharf demo --conf-dir " WHARF_SOURCE_DIR
                         "/conf-examples > /tmp/wharf-demo-int.$$ 2>&1 & p=$!; sleep 0.4; kill -INT $p; wait $p; echo rc=$?;"
                         " cat /tmp/wharf-demo-int.$$; rm -f /tmp/wharf-demo-int.$$",
                         &rc);
    INFO(out);
    CHECK((out.find("rc=130") != std::string::npos || out.find("rc=0") != std::string::npos));
    CHECK(out.find("removed") != std::string::npos);
    CHECK(run_shell("ls /run/netns") == netns_before);
    CHECK(run_shell("ip -br link | awk '{print $1}' | sort") == links_before);
}
