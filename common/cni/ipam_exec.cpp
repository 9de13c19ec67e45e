#include "cni/ipam_exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "cni/error.hpp"
#include "log/logging.hpp"

extern char** environ;

namespace wharf::cni {

namespace {

std::string ipam_type(const context& ctx) {
    auto it = ctx.conf.ipam.find("type");
    if (it == ctx.conf.ipam.end() || !it->is_string() || it->get<std::string>().empty())
        throw error(code::invalid_config, "invalid network config: ipam.type is missing", "ipam.type");
    return it->get<std::string>();
}

// The caller's environment with CNI_COMMAND replaced.
std::vector<std::string> delegate_environment(command cmd) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "CNI_COMMAND=", 12) != 0) env.emplace_back(*e);
    env.push_back("CNI_COMMAND=" + std::string(command_name(cmd)));
    return env;
}

// Writes `input` to the child's stdin while reading its stdout, so neither side blocks on a full pipe.
std::string pump(unique_fd to_child, unique_fd from_child, std::string_view input) {
    std::string out;
    std::size_t written = 0;
    if (input.empty()) to_child.reset();
    else fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    for (;;) {
        pollfd fds[2] = {{from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};
        if (::poll(fds, to_child ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll delegated plugin pipes");
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

[[noreturn]] void rethrow_delegate_error(const std::string& type, const exec_output& o) {
    auto doc = nlohmann::json::parse(o.out, nullptr, false);
    if (doc.is_object() && doc.contains("code") && doc["code"].is_number_unsigned()) {
        std::string msg = doc.value("msg", std::string("IPAM plugin ") + type + " failed");
        std::string details = doc.contains("details") && doc["details"].is_string() ? doc["details"].get<std::string>() : "";
        throw error(static_cast<code>(doc["code"].get<unsigned>()), msg, details);
    }
    throw error(code::internal, "IPAM plugin " + type + " failed with exit code " + std::to_string(o.exit_code),
                o.out.substr(0, 500));
}

exec_output run_delegate(const context& ctx, command cmd) {
    std::string type = ipam_type(ctx);
    std::string binary = find_plugin(type, ctx.req.path);
    exec_output o = exec_plugin(binary, cmd, ctx.stdin_data);
    if (o.exit_code != 0) rethrow_delegate_error(type, o);
    return o;
}

}  // namespace

std::string find_plugin(const std::string& type, const std::vector<std::string>& path) {
    if (type.find('/') != std::string::npos || type == "." || type == "..")
        throw error(code::invalid_config, "invalid plugin type \"" + type + "\"", "type");
    std::string searched;
    for (const auto& dir : path) {
        std::string candidate = dir + "/" + type;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        searched += (searched.empty() ? "" : ":") + dir;
    }
    throw error(code::invalid_config, "failed to find plugin \"" + type + "\" in path", "CNI_PATH=" + searched);
}

exec_output exec_plugin(const std::string& binary, command cmd, std::string_view stdin_data) {
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw_errno("create stdin pipe for " + binary);
    unique_fd in_read(in_pipe[0]), in_write(in_pipe[1]);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("create stdout pipe for " + binary);
    unique_fd out_read(out_pipe[0]), out_write(out_pipe[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
    // stderr is inherited: the delegate's logs reach the runtime's log just as ours do.

    std::vector<std::string> env = delegate_environment(cmd);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = binary;
    char* argv[] = {arg0.data(), nullptr};

    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw os_error(rc, "exec IPAM plugin " + binary);
    in_read.reset();
    out_write.reset();

    exec_output o;
    o.out = pump(std::move(in_write), std::move(out_read), stdin_data);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("wait for IPAM plugin " + binary);
    }
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    log::debug("{} {} exited {}", binary, command_name(cmd), o.exit_code);
    return o;
}

result ipam_add(const context& ctx) {
    exec_output o = run_delegate(ctx, command::add);
    auto doc = nlohmann::json::parse(o.out, nullptr, false);
    if (!doc.is_object())
        throw error(code::decoding_failure, "IPAM plugin " + ipam_type(ctx) + " returned no valid result", o.out.substr(0, 500));
    std::string version = doc.value("cniVersion", ctx.conf.cni_version);
    return result_from_json(doc, version);
}

void ipam_del(const context& ctx) { run_delegate(ctx, command::del); }
void ipam_check(const context& ctx) { run_delegate(ctx, command::check); }
void ipam_status(const context& ctx) { run_delegate(ctx, command::status); }
void ipam_gc(const context& ctx) { run_delegate(ctx, command::gc); }

}  // namespace wharf::cni
