#pragma once
// Runs a command inside a network namespace, as `ip netns exec` does but without a shell: a child
// process enters the namespace (setns) and execs the command; the parent waits for it.
#include <string>
#include <vector>

namespace wharf::cli {

// Returns the command's exit status (128+N when killed by signal N; 127 when it could not be run).
// An empty `netns_path` runs it in the caller's namespace. While it runs, Ctrl-C goes to the command
// (as in a shell), not to us.
int run_in_netns(const std::string& netns_path, const std::vector<std::string>& command);

}  // namespace wharf::cli
