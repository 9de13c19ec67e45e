#include "support/plugin_runner.hpp"

#include <cstdlib>
#include <optional>
#include <utility>

#include "cni/invoke_args.hpp"
#include "cni/invoke_exec.hpp"

namespace wharf::test {

nlohmann::json run_result::json() const {
    return nlohmann::json::parse(out, nullptr, false).is_discarded() ? nlohmann::json() : nlohmann::json::parse(out);
}

std::string plugin_path(const std::string& name) { return std::string(WHARF_BIN_DIR) + "/" + name; }

std::vector<std::string> plugin_environment(const cni_call& call) {
    cni::invoke_args args{.command = call.command};
    if (call.set_container_id) args.container_id = call.container_id;
    if (!call.netns.empty()) args.netns = call.netns;
    if (call.set_ifname) args.ifname = call.ifname;
    if (!call.args.empty()) args.args = call.args;
    if (call.set_path) args.path = call.path;
    for (const char* inherited : {"PATH", "WHARF_RUN_DIR"})
        if (const char* v = std::getenv(inherited)) args.extra.emplace_back(inherited, v);
    for (const auto& [k, v] : call.extra_env)
        args.extra.emplace_back(k, v == "\x01" ? std::nullopt : std::optional<std::string>(v));
    const char* const nothing[] = {nullptr};  // nothing else of this process's environment
    return cni::invoke_environment(args, cni::inherit::all, nothing);
}

run_result run_plugin(const std::string& binary, const cni_call& call, const std::string& stdin_data, int netns_fd) {
    cni::exec_output o = cni::exec_plugin(binary, plugin_environment(call), stdin_data,
                                          {.capture_stderr = true, .netns_fd = netns_fd});
    return {.exit_code = o.exit_code, .out = std::move(o.out), .err = std::move(o.err)};
}

}  // namespace wharf::test
