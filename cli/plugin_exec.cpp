#include "cli/plugin_exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstring>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "cli/failure.hpp"

extern char** environ;

namespace wharf::cli {

namespace {

// Feeds `input` to the child while reading its stdout, so neither side stalls on a full pipe.
std::string exchange(unique_fd to_child, unique_fd from_child, std::string_view input) {
    std::string out;
    std::size_t written = 0;
    if (input.empty()) to_child.reset();
    else ::fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    for (;;) {
        pollfd fds[2] = {{from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};
        if (::poll(fds, to_child ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll plugin pipes");
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

bool is_call_variable(const char* entry) {
    static const char* names[] = {"CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=", "CNI_ARGS=", "CNI_PATH="};
    for (const char* n : names)
        if (std::strncmp(entry, n, std::strlen(n)) == 0) return true;
    return false;
}

}  // namespace

std::string join_cni_args(const std::vector<std::pair<std::string, std::string>>& args) {
    std::string s;
    for (const auto& [k, v] : args) s += (s.empty() ? "" : ";") + k + "=" + v;
    return s;
}

std::vector<std::pair<std::string, std::string>> parse_cni_args(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    if (text.empty()) return out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(';', start);
        std::string pair = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size() || pair.find('=', eq + 1) != std::string::npos)
            throw failure(exit_code::usage, "invalid CNI_ARGS pair \"" + pair + "\"", "CNI_ARGS is KEY=VALUE;KEY=VALUE");
        out.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::vector<std::string> plugin_environment(const plugin_call& call) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
        if (!is_call_variable(*e)) env.emplace_back(*e);
    env.push_back("CNI_COMMAND=" + call.command);
    if (!call.container_id.empty()) env.push_back("CNI_CONTAINERID=" + call.container_id);
    if (!call.netns.empty()) env.push_back("CNI_NETNS=" + call.netns);
    if (!call.ifname.empty()) env.push_back("CNI_IFNAME=" + call.ifname);
    if (!call.args.empty()) env.push_back("CNI_ARGS=" + join_cni_args(call.args));
    std::string path;
    for (const auto& p : call.path) path += (path.empty() ? "" : ":") + p;
    env.push_back("CNI_PATH=" + path);
    return env;
}

plugin_output exec_plugin(const std::string& binary, const plugin_call& call, std::string_view stdin_data) {
    // A plugin that exits before reading all of stdin must not kill us with SIGPIPE.
    static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)sigpipe_ignored;
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
    if (call.own_process_group) {
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
    }

    std::vector<std::string> env = plugin_environment(call);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = binary;
    char* argv[] = {arg0.data(), nullptr};

    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, binary.c_str(), &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        throw failure(exit_code::failed, "start plugin " + binary + ": " + std::strerror(rc));
    in_read.reset();
    out_write.reset();

    plugin_output o;
    o.out = exchange(std::move(in_write), std::move(out_read), stdin_data);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw_errno("wait for plugin " + binary);
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return o;
}

}  // namespace wharf::cli
