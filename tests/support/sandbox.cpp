#include "support/sandbox.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

namespace wharf::test {

namespace {
std::atomic<unsigned> counter{0};
}

std::string unique_name(const std::string& stem) {
    char buf[32];
    unsigned n = counter.fetch_add(1);
    std::snprintf(buf, sizeof buf, "%s%x%x", stem.substr(0, 5).c_str(), static_cast<unsigned>(getpid()) & 0xfffff, n & 0xff);
    std::string s = buf;
    return s.substr(0, 15);
}

std::string unique_subnet_v4() {
    unsigned n = counter.fetch_add(1);
    unsigned pid = static_cast<unsigned>(getpid());
    unsigned x = 100 + (pid % 100);           // 10.100.* to 10.199.*
    unsigned y = ((pid / 100) * 7 + n) % 256;
    return "10." + std::to_string(x) + "." + std::to_string(y) + ".0/24";
}

std::string unique_subnet_v6() {
    unsigned n = counter.fetch_add(1);
    char buf[64];
    std::snprintf(buf, sizeof buf, "fd57:%x:%x::/64", static_cast<unsigned>(getpid()) & 0xffff, n & 0xffff);
    return buf;
}

std::string run_shell(const std::string& command, int* exit_code) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p) throw std::runtime_error("popen failed: " + command);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = pclose(p);
    if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

netns_sandbox::netns_sandbox(const std::string& stem) : name_(unique_name(stem)) {
    int rc = 0;
    run_shell("ip netns add " + name_ + " 2>&1", &rc);
    if (rc != 0) throw std::runtime_error("ip netns add " + name_ + " failed");
}

netns_sandbox::~netns_sandbox() { run_shell("ip netns del " + name_ + " 2>/dev/null"); }

std::string netns_sandbox::exec(const std::string& command, int* exit_code) const {
    return run_shell("ip netns exec " + name_ + " " + command, exit_code);
}

std::string netns_sandbox::script(const std::string& commands, int* exit_code) const {
    std::string quoted = "'";
    for (const char c : commands) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return exec("sh -c " + quoted + "'", exit_code);
}

}  // namespace wharf::test
