#include "sys/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/os_error.hpp"

namespace wharf::sys {

piped_child spawn_piped(const std::string& binary, std::vector<std::string> env, bool own_process_group) {
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw_errno("create stdin pipe for " + binary);
    unique_fd in_read(in_pipe[0]), in_write(in_pipe[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("create stdout pipe for " + binary);
    unique_fd out_read(out_pipe[0]), out_write(out_pipe[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    if (own_process_group) {
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
    }
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = binary;
    char* argv[] = {arg0.data(), nullptr};

    piped_child child;
    int rc = ::posix_spawn(&child.pid, binary.c_str(), &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw os_error(rc, "start " + binary);
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
