#pragma once
// Starting a program as a child process the way runtimes and chaining plugins start plugins: no
// shell, exactly the environment given, stdin and stdout (and, if asked, stderr) on pipes. The
// mechanism under cni's plugin invocation (cni/invoke_exec.hpp); callers start a plugin through it.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace wharf::sys {

struct spawn_options {
    // A process group of its own, so that a Ctrl-C meant for the caller does not reach the child.
    bool own_process_group = false;
    // stderr on a pipe too, read by collect(); otherwise the child writes to the caller's stderr.
    bool capture_stderr = false;
    // An open network namespace the child enters before it execs; -1 leaves it in the caller's.
    int netns_fd = -1;
};

struct child_output {
    std::string out;  // what the child wrote to stdout
    std::string err;  // and to stderr, when captured
};

// A started child and the caller's ends of its pipes. Move-only.
class child_process {
public:
    // Starts `binary` (vfork + execve) with exactly `env`, then writes as much of `input` to its stdin
    // as the pipe takes without blocking; collect() writes the rest. Throws os_error (errno of the
    // failed pipe, namespace switch or exec) naming the binary; no child is left behind then.
    static child_process spawn(const std::string& binary, std::vector<std::string> env, std::string input,
                               const spawn_options& options = {});

    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&&) = delete;
    // Closes the pipes and waits for a child that was never waited for, so that no zombie is left.
    ~child_process();

    // Writes the rest of the input while reading stdout (and stderr) until the child closes them, so
    // neither side stalls on a full pipe; stdin is closed once all is written or the child stops
    // reading. The child may still be running when this returns. Throws os_error if poll fails.
    child_output collect();
    // Waits for the child (retrying EINTR): its exit status, 128 + signal if it was killed, or -1
    // (errno says why) if it cannot be waited for. Later calls return the same value.
    int wait() noexcept;

    pid_t pid() const noexcept { return pid_; }
    const std::string& binary() const noexcept { return binary_; }

private:
    child_process() = default;
    // Writes what the pipe takes now; closes stdin when all is written or the child stopped reading.
    void write_input();

    std::string binary_;
    pid_t pid_ = -1;  // -1 once waited for
    int exit_code_ = -1;
    unique_fd to_child_;       // the child's stdin
    unique_fd from_child_;     // its stdout
    unique_fd err_from_child_; // its stderr, when captured
    std::string input_;
    std::size_t written_ = 0;
};

}  // namespace wharf::sys
