#include "support/plugin_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace wharf::test {

nlohmann::json run_result::json() const {
    return nlohmann::json::parse(out, nullptr, false).is_discarded() ? nlohmann::json() : nlohmann::json::parse(out);
}

std::string plugin_path(const std::string& name) { return std::string(WHARF_BIN_DIR) + "/" + name; }

std::vector<std::string> plugin_environment(const cni_call& call) {
    std::map<std::string, std::string> env;
    for (const char* inherited : {"PATH", "WHARF_RUN_DIR"})
        if (const char* v = std::getenv(inherited)) env[inherited] = v;
    env["CNI_COMMAND"] = call.command;
    if (call.set_container_id) env["CNI_CONTAINERID"] = call.container_id;
    if (!call.netns.empty()) env["CNI_NETNS"] = call.netns;
    if (call.set_ifname) env["CNI_IFNAME"] = call.ifname;
    if (!call.args.empty()) env["CNI_ARGS"] = call.args;
    if (call.set_path) env["CNI_PATH"] = call.path;
    for (const auto& [k, v] : call.extra_env) {
        if (v == "\x01") env.erase(k);
        else env[k] = v;
    }
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

run_result run_plugin(const std::string& binary, const cni_call& call, const std::string& stdin_data) {
    std::vector<std::string> env_strings = plugin_environment(call);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    std::string bin = binary;
    char* argv[] = {bin.data(), nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(err_pipe[0]);
        throw std::runtime_error("posix_spawn " + binary + " failed: " + std::to_string(rc));
    }
    // Write stdin and read both outputs without deadlocking on full pipes.
    run_result r;
    size_t written = 0;
    int in_fd = in_pipe[1];
    if (stdin_data.empty()) {
        close(in_fd);
        in_fd = -1;
    } else {
        fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_fd, POLLOUT, 0}};
        nfds_t n = in_fd >= 0 ? 3 : 2;
        if (!out_open) fds[0].fd = -1;
        if (!err_open) fds[1].fd = -1;
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        char buf[8192];
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
                ssize_t got = read(fds[i].fd, buf, sizeof buf);
                if (got > 0) (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(got));
                else (i == 0 ? out_open : err_open) = false;
            }
        }
        if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in_fd, stdin_data.data() + written, stdin_data.size() - written);
            if (w > 0) written += static_cast<size_t>(w);
            if (w < 0 || written == stdin_data.size()) {
                close(in_fd);
                in_fd = -1;
            }
        }
    }
    if (in_fd >= 0) close(in_fd);
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace wharf::test
