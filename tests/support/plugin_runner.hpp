#pragma once
// plugin_runner: runs a built plugin exactly as a runtime does: CNI_* variables in the environment,
// the config on stdin, the result (or error) read from stdout.
#include <map>
#include <string>
#include <vector>

#include "json/json.hpp"

namespace wharf::test {

struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
    // stdout parsed as JSON (null if it is not JSON).
    nlohmann::json json() const;
};

struct cni_call {
    std::string command;       // ADD, DEL, CHECK, VERSION, STATUS, GC
    std::string container_id = "wharf-test-ctr";
    std::string netns;         // path; empty leaves CNI_NETNS unset
    std::string ifname = "eth0";
    std::string args;          // CNI_ARGS
    std::string path = WHARF_BIN_DIR;  // CNI_PATH
    std::map<std::string, std::string> extra_env;  // added or overriding; value "\x01" unsets
    bool set_path = true;
    bool set_container_id = true;
    bool set_ifname = true;
};

// The environment a runtime gives a plugin for `call` (cni::invoke_environment): CNI_* from the call,
// PATH and WHARF_RUN_DIR from this process (the test's private run directory), then call.extra_env;
// nothing else of this process's environment.
std::vector<std::string> plugin_environment(const cni_call& call);

// Runs `binary` (a path) with plugin_environment(call) and `stdin_data` (cni::exec_plugin), its
// stderr captured; in the network namespace `netns_fd` when given (see run_plugin_in).
run_result run_plugin(const std::string& binary, const cni_call& call, const std::string& stdin_data,
                      int netns_fd = -1);

// The path of a built plugin: WHARF_BIN_DIR/<name>.
std::string plugin_path(const std::string& name);

}  // namespace wharf::test
