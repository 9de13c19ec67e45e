#pragma once
// Runs a plugin as a runtime on a *sandboxed host* would: the child process enters the network
// namespace `host_netns` (/run/netns/<name>) before exec, so the bridge, host veths, sysctls and
// nftables tables it makes all live in that throwaway namespace, never on the real host.
#include <string>

#include "support/plugin_runner.hpp"

namespace wharf::test {

// As run_plugin, but executed inside the named namespace. Extra environment variables of the call
// apply as in run_plugin; CNI_PATH defaults to call.path.
run_result run_plugin_in(const std::string& host_netns, const std::string& binary, const cni_call& call,
                         const std::string& stdin_data);

}  // namespace wharf::test
