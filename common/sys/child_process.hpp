#pragma once
// Starting a plugin as a child process, the way runtimes and chaining plugins do: no shell, stdin and
// stdout on pipes, stderr inherited. One implementation for IPAM delegation, the bridge's asynchronous
// IPAM call and the wharf runtime.
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"

namespace wharf::sys {

struct piped_child {
    pid_t pid = -1;
    unique_fd to_child;    // the child's stdin
    unique_fd from_child;  // the child's stdout
};

// Starts `binary` (vfork + execve) with exactly `env`; `own_process_group` puts it in a process group of its own.
// Throws os_error (errno of the failed pipe or spawn) naming the binary.
piped_child spawn_piped(const std::string& binary, std::vector<std::string> env, bool own_process_group = false);

// Writes `input` to the child's stdin while reading its stdout until EOF, so neither side stalls on a
// full pipe; closes stdin when all is written. Returns what the child printed.
std::string exchange(unique_fd to_child, unique_fd from_child, std::string_view input);

// Waits for `pid` (retrying EINTR): its exit status, 128 + signal if killed, or -1 if it cannot be waited for.
int wait_exit_code(pid_t pid) noexcept;

}  // namespace wharf::sys
