#pragma once
// IPAM ADD started in the background: the delegate runs (a whole process start, about a
// millisecond) while this process creates the bridge and the veth pair; finish() collects its result.
// Errors are the delegate's own error object rethrown as cni::error, as cni::ipam_add does.
#include <sys/types.h>

#include <string>

#include "base/unique_fd.hpp"
#include "cni/plugin_main.hpp"
#include "cni/result.hpp"

namespace wharf::bridge {

class pending_ipam {
public:
    // Finds ipam.type in CNI_PATH and starts it with CNI_COMMAND=ADD and the config on stdin.
    static pending_ipam start_add(const cni::context& ctx);

    pending_ipam(pending_ipam&& other) noexcept;
    pending_ipam& operator=(pending_ipam&&) = delete;
    // Waits for a delegate that was never finished, so no zombie is left behind.
    ~pending_ipam();

    // Reads the delegate's answer and returns its result (in the newest model); throws its error.
    // A successful answer is returned as soon as the delegate closes its stdout, which may be
    // before it exits: call confirm() before relying on the result for good.
    cni::result finish();
    // Waits for the delegate's exit; throws unless it exited 0.
    void confirm();

private:
    pending_ipam(std::string type, std::string version, pid_t pid, unique_fd to_child, unique_fd from_child,
                 std::string input);
    int wait_exit() noexcept;

    std::string type_;
    std::string version_;
    pid_t pid_ = -1;
    unique_fd to_child_;
    unique_fd from_child_;
    std::string input_;
    std::size_t written_ = 0;
};

}  // namespace wharf::bridge
