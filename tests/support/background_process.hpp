#pragma once
// background_process: a long-running program a test starts (a message bus, a stand-in daemon),
// stopped by its PID on every path: SIGTERM on destruction or stop(), SIGKILL if it is still there
// after 5 s, and always waited for, so no zombie is left.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace wharf::test {

// SIGTERM to `pid`, SIGKILL after `grace` if it is still there, and waits for it.
void stop_process(pid_t pid, std::chrono::milliseconds grace) noexcept;

class background_process {
public:
    // Runs argv[0] (a path) with `argv`, this process's environment, stdout and stderr appended to
    // `log_path`, inside the network namespace at `netns_path` when it is not empty.
    background_process(const std::vector<std::string>& argv, const std::string& log_path, const std::string& netns_path = "");
    ~background_process();
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // Whether it is still running (reaps it when it has exited).
    bool running();
    void stop() noexcept;

private:
    pid_t pid_ = -1;
};

}  // namespace wharf::test
