#include "support/background_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "base/os_error.hpp"

namespace wharf::test {

background_process::background_process(const std::vector<std::string>& argv, const std::string& log_path,
                                       const std::string& netns_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log < 0) throw_errno("open " + log_path);
    const int ns = netns_path.empty() ? -1 : ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (!netns_path.empty() && ns < 0) {
        ::close(log);
        throw_errno("open " + netns_path);
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        // The child: only async-signal-safe calls until exec.
        if (ns >= 0 && ::setns(ns, CLONE_NEWNET) != 0) ::_exit(126);
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(log);
    if (ns >= 0) ::close(ns);
    if (pid_ < 0) throw os_error(fork_errno, "fork for " + argv[0]);
}

background_process::~background_process() { stop(); }

bool background_process::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

void stop_process(pid_t pid, std::chrono::milliseconds grace) noexcept {
    using namespace std::chrono_literals;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (auto until = std::chrono::steady_clock::now() + grace; std::chrono::steady_clock::now() < until;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return;
        std::this_thread::sleep_for(10ms);
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

void background_process::stop() noexcept {
    if (pid_ <= 0) return;
    stop_process(pid_, std::chrono::seconds(5));
    pid_ = -1;
}

}  // namespace wharf::test
