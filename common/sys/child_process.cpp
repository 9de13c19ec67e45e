#include "sys/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/os_error.hpp"

namespace wharf::sys {

namespace {

// A pipe end numbered 0, 1 or 2 (the parent runs with a standard stream closed) is moved out of the way,
// so that the child's dup2 onto 0, 1 and 2 cannot overwrite one end with another.
unique_fd above_stdio(unique_fd fd, const std::string& what) {
    if (fd.get() > STDERR_FILENO) return fd;
    int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) throw_errno("move pipe for " + what);
    return unique_fd(moved);
}

struct pipe_ends {
    unique_fd read, write;
};

pipe_ends make_pipe(const char* stream, const std::string& binary) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(std::string("create ") + stream + " pipe for " + binary);
    return {unique_fd(fds[0]), unique_fd(fds[1])};
}

struct spawn_plan {
    const char* binary;
    char* const* argv;
    char* const* envp;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;  // -1: the caller's
    int netns_fd;   // -1: the caller's
    bool own_process_group;
    bool reset_sigpipe;
};

// vfork + execve. glibc's posix_spawn makes over a hundred sigaction calls in the child before the
// exec, while the parent is suspended; on the VMs Wharf runs on every system call is costly and this
// parent is an ADD's critical path (docs/costs.md has the measurement). The child shares our memory
// until execve, so it makes async-signal-safe calls only.
// Every signal is blocked around the vfork, so no handler of ours can run in the child; the mask is
// restored just before execve, which resets caught signals to their default. Returns the child's pid,
// or -errno when the fork, a step before the exec (namespace, dup2, process group) or the exec failed.
__attribute__((noinline)) pid_t vfork_exec(const spawn_plan& plan) {
    sigset_t all, old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    volatile int exec_errno = 0;  // written by the child, which shares this frame until it execs or exits
    pid_t pid = ::vfork();
    if (pid == 0) {
        if ((plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0) ||
            ::dup2(plan.stdin_fd, STDIN_FILENO) < 0 || ::dup2(plan.stdout_fd, STDOUT_FILENO) < 0 ||
            (plan.stderr_fd >= 0 && ::dup2(plan.stderr_fd, STDERR_FILENO) < 0) ||
            (plan.own_process_group && ::setpgid(0, 0) != 0)) {
            exec_errno = errno;
            ::_exit(127);
        }
        if (plan.reset_sigpipe) {
            // SIG_IGN survives execve: a plugin must not inherit our ignored SIGPIPE.
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

// One read from a pipe that poll reported; closes it at EOF or on an error.
void read_some(unique_fd& fd, short revents, std::string& into) {
    if (!fd || !(revents & (POLLIN | POLLHUP | POLLERR))) return;
    char buf[16384];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) into.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || (errno != EINTR && errno != EAGAIN)) fd.reset();
}

}  // namespace

child_process child_process::spawn(const std::string& binary, std::vector<std::string> env, std::string input,
                                   const spawn_options& options) {
    pipe_ends in = make_pipe("stdin", binary);
    pipe_ends out = make_pipe("stdout", binary);
    pipe_ends err;
    if (options.capture_stderr) err = make_pipe("stderr", binary);
    in.read = above_stdio(std::move(in.read), binary);
    out.write = above_stdio(std::move(out.write), binary);
    if (err.write) err.write = above_stdio(std::move(err.write), binary);

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
                          .stdin_fd = in.read.get(),
                          .stdout_fd = out.write.get(),
                          .stderr_fd = err.write ? err.write.get() : -1,
                          .netns_fd = options.netns_fd,
                          .own_process_group = options.own_process_group,
                          .reset_sigpipe = pipe_action.sa_handler == SIG_IGN};
    const pid_t pid = vfork_exec(plan);
    if (pid < 0) throw os_error(-pid, "start " + binary);

    child_process child;
    child.binary_ = binary;
    child.pid_ = pid;
    child.to_child_ = std::move(in.write);
    child.from_child_ = std::move(out.read);
    child.err_from_child_ = std::move(err.read);
    child.input_ = std::move(input);
    if (child.input_.empty()) {
        child.to_child_.reset();
    } else {
        ::fcntl(child.to_child_.get(), F_SETFL, O_NONBLOCK);
        child.write_input();
    }
    return child;
}

child_process::child_process(child_process&& o) noexcept
    : binary_(std::move(o.binary_)), pid_(std::exchange(o.pid_, -1)), exit_code_(o.exit_code_),
      to_child_(std::move(o.to_child_)), from_child_(std::move(o.from_child_)),
      err_from_child_(std::move(o.err_from_child_)), input_(std::move(o.input_)), written_(o.written_) {}

child_process::~child_process() {
    if (pid_ < 0) return;
    to_child_.reset();
    from_child_.reset();
    err_from_child_.reset();
    wait();
}

void child_process::write_input() {
    while (written_ < input_.size()) {
        ssize_t n = ::write(to_child_.get(), input_.data() + written_, input_.size() - written_);
        if (n > 0) {
            written_ += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;  // the pipe is full: the rest when poll says it has room
        } else {
            break;  // the child closed its stdin (EPIPE)
        }
    }
    to_child_.reset();
}

child_output child_process::collect() {
    child_output o;
    while (from_child_ || err_from_child_) {
        pollfd fds[3] = {{from_child_ ? from_child_.get() : -1, POLLIN, 0},
                         {err_from_child_ ? err_from_child_.get() : -1, POLLIN, 0},
                         {to_child_ ? to_child_.get() : -1, POLLOUT, 0}};
        if (::poll(fds, to_child_ ? 3 : 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll the pipes of " + binary_);
        }
        if (to_child_ && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            if (fds[2].revents & (POLLERR | POLLHUP)) to_child_.reset();
            else write_input();
        }
        read_some(from_child_, fds[0].revents, o.out);
        read_some(err_from_child_, fds[1].revents, o.err);
    }
    to_child_.reset();
    return o;
}

int child_process::wait() noexcept {
    if (pid_ < 0) return exit_code_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) {
            pid_ = -1;
            return exit_code_ = -1;
        }
    }
    pid_ = -1;
    return exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace wharf::sys
