#include "support/wharfd_process.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "support/wait.hpp"

namespace wharf::test {

namespace {

std::vector<std::string> wharfd_argv(const std::vector<std::string>& extra) {
    std::vector<std::string> argv{std::string(WHARF_BIN_DIR) + "/wharfd", "--log-level", "debug"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

}  // namespace

wharfd_process::wharfd_process(const std::string& host_netns_path, const std::vector<std::string>& extra_args)
    : log_path_(dir_.path() + "/wharfd.log"), process_(wharfd_argv(extra_args), log_path_, host_netns_path) {
    REQUIRE_MESSAGE(within(std::chrono::seconds(10), [&] { return log().find("lending netfilter sockets") != std::string::npos; }), log());
}

std::string wharfd_process::log() const { return file_text(log_path_); }

}  // namespace wharf::test
