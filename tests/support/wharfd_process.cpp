#include "support/wharfd_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "support/watch.hpp"

namespace wharf::test {

namespace {

// Its own IPAM directory to reclaim in, unless the test names one: the agent must never read the
// host's /var/lib/cni/networks.
std::vector<std::string> wharfd_argv(const std::string& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{std::string(WHARF_BIN_DIR) + "/wharfd", "--log-level", "debug"};
    if (std::find(extra.begin(), extra.end(), "--ipam-dir") == extra.end()) argv.insert(argv.end(), {"--ipam-dir", dir + "/ipam"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

}  // namespace

wharfd_process::wharfd_process(const std::string& host_netns_path, const std::vector<std::string>& extra_args)
    : log_path_(dir_.path() + "/wharfd.log"), process_(wharfd_argv(dir_.path(), extra_args), log_path_, host_netns_path) {
    REQUIRE_MESSAGE(within(std::chrono::seconds(10), [&] { return log().find("lending netfilter sockets") != std::string::npos; }), log());
}

std::string wharfd_process::log() const { return read_all(log_path_); }

}  // namespace wharf::test
