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
#include "sys/child_process.hpp"

extern char** environ;

namespace wharf::cli {

namespace {

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
    sys::piped_child child;
    try {
        child = sys::spawn_piped(binary, plugin_environment(call), call.own_process_group);
    } catch (const os_error& e) {
        throw failure(exit_code::failed, std::string("start plugin ") + binary + ": " + std::strerror(e.code_value()));
    }
    plugin_output o;
    o.out = sys::exchange(std::move(child.to_child), std::move(child.from_child), stdin_data);
    o.exit_code = sys::wait_exit_code(child.pid);
    if (o.exit_code < 0) throw_errno("wait for plugin " + binary);
    return o;
}

}  // namespace wharf::cli
