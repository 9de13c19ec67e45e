#include "sys/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/os_error.hpp"

namespace wharf::sys {

namespace {

// A pipe end numbered 0, 1 or 2 (the parent runs with a standard stream closed) is moved out of the way,
// so that the child's dup2 onto 0 and 1 cannot overwrite one end with the other.
unique_fd above_stdio(unique_fd fd, const std::string& what) {
    if (fd.get() > STDERR_FILENO) return fd;
    int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) throw_errno("move pipe for " + what);
    return unique_fd(moved);
}

struct spawn_plan {
    const char* binary;
    char* const* argv;
    char* const* envp;
    int stdin_fd;
    int stdout_fd;
    bool own_process_group;
    bool reset_sigpipe;
};

// vfork + execve. glibc's posix_spawn makes over a hundred sigaction calls in the child before the
// exec, while the parent is suspended; on the VMs Wharf runs on every system call is costly and this
// parent is an ADD's critical path (measured here: the parent is held 0.26 ms by posix_spawn, 0.10 ms
// by this). The child shares our memory until execve, so it makes async-signal-safe calls only.
// Every signal is blocked around the vfork, so no handler of ours can run in the child; the mask is
// restored just before execve, which resets caught signals to their default. Returns the child's pid,
// or -errno when the fork or the exec failed.
__attribute__((noinline)) pid_t vfork_exec(const spawn_plan& plan) {
    sigset_t all, old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    volatile int exec_errno = 0;  // written by the child, which shares this frame until it execs or exits
    pid_t pid = ::vfork();
    if (pid == 0) {
        if (::dup2(plan.stdin_fd, STDIN_FILENO) < 0 || ::dup2(plan.stdout_fd, STDOUT_FILENO) < 0 ||
            (plan.own_process_group && ::setpgid(0, 0) != 0)) {
            exec_errno = errno;
            ::_exit(127);
        }
        if (plan.reset_sigpipe) {
            // SIG_IGN survives execve: a delegate must not inherit our ignored SIGPIPE.
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            ::sigaction(SIGPIPE, &dfl, nullptr);
        }
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        ::execve(plan.binary, plan.argv, plan.envp);
        exec_errno = errno;
        ::_exit(127);
    }
    const int fork_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return -fork_errno;
    if (exec_errno != 0) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return -exec_errno;
    }
    return pid;
}

}  // namespace

piped_child spawn_piped(const std::string& binary, std::vector<std::string> env, bool own_process_group) {
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw_errno("create stdin pipe for " + binary);
    unique_fd in_read(in_pipe[0]), in_write(in_pipe[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("create stdout pipe for " + binary);
    unique_fd out_read(out_pipe[0]), out_write(out_pipe[1]);
    in_read = above_stdio(std::move(in_read), binary);
    out_write = above_stdio(std::move(out_write), binary);

    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = binary;
    char* argv[] = {arg0.data(), nullptr};

    struct sigaction pipe_action {};
    ::sigaction(SIGPIPE, nullptr, &pipe_action);
    const spawn_plan plan{.binary = binary.c_str(),
                          .argv = argv,
                          .envp = envp.data(),
                          .stdin_fd = in_read.get(),
                          .stdout_fd = out_write.get(),
                          .own_process_group = own_process_group,
                          .reset_sigpipe = pipe_action.sa_handler == SIG_IGN};
    const pid_t pid = vfork_exec(plan);
    if (pid < 0) throw os_error(-pid, "start " + binary);

    piped_child child;
    child.pid = pid;
    child.to_child = std::move(in_write);
    child.from_child = std::move(out_read);
    return child;
}

std::string exchange(unique_fd to_child, unique_fd from_child, std::string_view input) {
    std::string out;
    std::size_t written = 0;
    if (input.empty()) to_child.reset();
    else ::fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    for (;;) {
        pollfd fds[2] = {{from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};
        if (::poll(fds, to_child ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll child pipes");
        }
        if (to_child && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = ::write(to_child.get(), input.data() + written, input.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) to_child.reset();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[16384];
            ssize_t n = ::read(from_child.get(), buf, sizeof buf);
            if (n > 0) out.append(buf, static_cast<std::size_t>(n));
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) break;
        }
    }
    return out;
}

int wait_exit_code(pid_t pid) noexcept {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace wharf::sys
