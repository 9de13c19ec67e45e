#pragma once
// IPAM delegation: find the plugin named by ipam.type in CNI_PATH, run it (fork/exec, no shell) with
// the caller's environment and the whole config on stdin, forward its stderr, and return its result or
// rethrow its error unchanged.
#include <string>
#include <string_view>

#include "cni/plugin_main.hpp"
#include "cni/result.hpp"

namespace wharf::cni {

// Finds an executable `type` in the CNI_PATH directories; throws code 7 if none.
std::string find_plugin(const std::string& type, const std::vector<std::string>& path);

struct exec_output {
    int exit_code = -1;
    std::string out;
};

// Runs `binary` with the process environment, CNI_COMMAND replaced by `cmd`, and `stdin_data`.
exec_output exec_plugin(const std::string& binary, command cmd, std::string_view stdin_data);

// The environment a delegate runs with: ours, CNI_COMMAND replaced by `cmd`.
std::vector<std::string> delegate_environment(command cmd);
// Throws the failed delegate's own error object as cni::error, or code 999 naming `type`, the exit
// code and the start of its output when it printed none.
[[noreturn]] void rethrow_delegate_error(const std::string& type, const exec_output& o);

// The IPAM delegate's name, `ipam.type`; code 7 when it is missing or not a string.
std::string ipam_type(const net_conf& conf);

// A delegate's ADD answer, already parsed as an object, read in the version it declares (its
// `cniVersion`, else `fallback_version`).
result delegate_result(const nlohmann::json& doc, const std::string& fallback_version);

// Each runs ctx.conf.ipam["type"]. On failure the delegate's own error object is rethrown as cni::error.
result ipam_add(const context& ctx);
void ipam_del(const context& ctx);
void ipam_check(const context& ctx);
void ipam_status(const context& ctx);
void ipam_gc(const context& ctx);

}  // namespace wharf::cni
