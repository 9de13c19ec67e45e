#pragma once
// Running a plugin binary, as libcni's RawExec does (pkg/invoke/raw_exec.go): no shell, the config
// on stdin, the answer read from stdout, stderr passed through to ours (or captured, for tests), the
// exit status, and a failed plugin's error object decoded. exec_plugin runs a plugin to the end; a
// caller with work to do meanwhile starts it with sys::child_process::spawn and ends with
// finish_plugin (the bridge builds its veth pair while host-local runs: cni::pending_ipam).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/child_process.hpp"

namespace wharf::cni {

struct exec_output {
    int exit_code = -1;  // the exit status, or 128 + signal
    std::string out;     // stdout: a result, an error object or a VERSION answer
    std::string err;     // stderr, when captured
};

// Reads what the started plugin prints, then waits for it. Throws os_error "wait for <what>
// <binary>" when it cannot be waited for.
exec_output finish_plugin(sys::child_process& plugin, std::string_view what = "plugin");

// spawn, then finish_plugin. Throws os_error naming the binary when it cannot be started.
exec_output exec_plugin(const std::string& binary, std::vector<std::string> env, std::string stdin_data,
                        const sys::spawn_options& options = {}, std::string_view what = "plugin");

// The error object of the spec ("Error"), as a failed plugin prints it on stdout.
struct error_object {
    unsigned code = 0;
    std::optional<std::string> msg;      // when the object has a string "msg"
    std::optional<std::string> details;  // when it has a string "details"
};

// `out` read as an error object: a JSON object whose "code" is an unsigned number, keys matched as
// the reference plugins' decoder matches them (cni/json_field.hpp); nullopt for anything else.
std::optional<error_object> decode_error(std::string_view out);

}  // namespace wharf::cni
