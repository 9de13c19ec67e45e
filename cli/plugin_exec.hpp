#pragma once
// Runs one CNI plugin binary the way libcni's invoke package does (cni/invoke_*.hpp): the caller's
// environment plus the CNI_* variables of this call (ours win over inherited ones), the config on
// stdin, stdout captured, stderr passed through. No shell is involved.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cni/invoke_args.hpp"
#include "cni/invoke_exec.hpp"

namespace wharf::cli {

struct plugin_call {
    std::string command;  // ADD, DEL, CHECK, GC, STATUS, VERSION
    std::string container_id;
    std::string netns;
    std::string ifname;
    std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS, joined as K=V;K=V
    std::vector<std::string> path;                          // CNI_PATH
    // Start the plugin in its own process group, so that Ctrl-C meant for us does not kill it
    // half-way through a change (the demo finishes the step, then cleans up).
    bool own_process_group = false;
};

using plugin_output = cni::exec_output;

// The CNI_* variables of the call replace the inherited ones; those it leaves empty are not set.
// Throws failure(failed) when the binary cannot be started.
plugin_output exec_plugin(const std::string& binary, const plugin_call& call, std::string_view stdin_data);

using cni::join_cni_args;
// Parses CNI_ARGS the way cnitool does: ';'-separated K=V pairs, neither side empty.
// Throws failure(usage) naming the bad pair.
std::vector<std::pair<std::string, std::string>> parse_cni_args(const std::string& text);

}  // namespace wharf::cli
