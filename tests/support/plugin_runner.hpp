#pragma once
// plugin_runner: runs a built plugin exactly as a runtime does: CNI_* variables in the environment,
// the config on stdin, the result (or error) read from stdout.
#include <nlohmann/json.hpp>

#include <map>
#include <string>

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

// Runs `binary` (a path) with the call's environment and `stdin_data`. The parent's environment is not
// inherited, except PATH.
run_result run_plugin(const std::string& binary, const cni_call& call, const std::string& stdin_data);

// The path of a built plugin: WHARF_BIN_DIR/<name>.
std::string plugin_path(const std::string& name);

}  // namespace wharf::test
