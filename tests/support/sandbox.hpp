#pragma once
// Test sandboxes: names and subnets unique to this test process, and network namespaces that are
// removed on every path. Names derive from the PID and a counter, so parallel test runs never collide.
#include <string>

namespace wharf::test {

// "<stem><pid-derived tag><counter>", at most 15 bytes (an interface name fits).
std::string unique_name(const std::string& stem);

// A private 10.x.y.0/24 for this process: x and y derive from the PID and a counter.
// `index` picks one of several subnets inside one test.
std::string unique_subnet_v4();

// An IPv6 /64 under fd00::/8 that derives from the PID and a counter, e.g. "fd57:1a2b:3::/64".
std::string unique_subnet_v6();

// A named network namespace (/run/netns/<name>) made on construction and deleted on destruction.
class netns_sandbox {
public:
    explicit netns_sandbox(const std::string& stem = "wt");
    ~netns_sandbox();
    netns_sandbox(const netns_sandbox&) = delete;
    netns_sandbox& operator=(const netns_sandbox&) = delete;

    const std::string& name() const { return name_; }
    std::string path() const { return "/run/netns/" + name_; }
    // Runs a shell command inside the namespace (via `ip netns exec`) and returns its stdout.
    std::string exec(const std::string& command, int* exit_code = nullptr) const;
    // Runs a whole shell script inside the namespace (`a && b; c | d` all in there, where exec would
    // run only the first command inside) and returns its stdout.
    std::string script(const std::string& commands, int* exit_code = nullptr) const;

private:
    std::string name_;
};

// Runs a shell command on the host (tests only: plugins never do) and returns stdout; exit code optional.
std::string run_shell(const std::string& command, int* exit_code = nullptr);

}  // namespace wharf::test
