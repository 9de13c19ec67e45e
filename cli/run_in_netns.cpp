#include "cli/run_in_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "cli/failure.hpp"

namespace wharf::cli {

int run_in_netns(const std::string& netns_path, const std::vector<std::string>& command) {
    if (command.empty()) throw failure(exit_code::usage, "no command given after --");
    unique_fd ns;
    if (!netns_path.empty()) {
        ns.reset(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns) throw_errno("open network namespace \"" + netns_path + "\"");
    }
    std::vector<std::string> words = command;
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);

    struct sigaction ignore {}, old_int {}, old_quit {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGINT, &ignore, &old_int);
    ::sigaction(SIGQUIT, &ignore, &old_quit);
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::sigaction(SIGINT, &old_int, nullptr);
        ::sigaction(SIGQUIT, &old_quit, nullptr);
        throw os_error(err, "fork to run " + command[0]);
    }
    if (pid == 0) {
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGQUIT, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        if (ns && ::setns(ns.get(), CLONE_NEWNET) != 0) {
            std::fprintf(stderr, "wharf: enter network namespace %s: %s\n", netns_path.c_str(), std::strerror(errno));
            ::_exit(127);
        }
        ::execvp(argv[0], argv.data());
        std::fprintf(stderr, "wharf: run %s: %s\n", argv[0], std::strerror(errno));
        ::_exit(errno == ENOENT ? 127 : 126);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace wharf::cli
