#include "cli/plugin_exec.hpp"

#include <csignal>
#include <cstring>
#include <optional>

#include "base/os_error.hpp"
#include "cli/failure.hpp"
#include "sys/child_process.hpp"

namespace wharf::cli {

namespace {

std::optional<std::string> unless_empty(const std::string& value) {
    if (value.empty()) return std::nullopt;
    return value;
}

std::vector<std::string> plugin_environment(const plugin_call& call) {
    return cni::invoke_environment({.command = call.command,
                                    .container_id = unless_empty(call.container_id),
                                    .netns = unless_empty(call.netns),
                                    .ifname = unless_empty(call.ifname),
                                    .args = unless_empty(cni::join_cni_args(call.args)),
                                    .path = cni::join_cni_path(call.path)},
                                   cni::inherit::all_but_protocol);
}

}  // namespace

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

plugin_output exec_plugin(const std::string& binary, const plugin_call& call, std::string_view stdin_data) {
    // A plugin that exits before reading all of stdin must not kill us with SIGPIPE.
    static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)sigpipe_ignored;
    std::optional<sys::child_process> plugin;
    try {
        plugin.emplace(sys::child_process::spawn(binary, plugin_environment(call), std::string(stdin_data),
                                                 {.own_process_group = call.own_process_group}));
    } catch (const os_error& e) {
        throw failure(exit_code::failed, std::string("start plugin ") + binary + ": " + std::strerror(e.code_value()));
    }
    return cni::finish_plugin(*plugin);
}

}  // namespace wharf::cli
