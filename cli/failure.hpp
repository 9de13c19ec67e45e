#pragma once
// cli::failure: what the `wharf` command reports to a person (a sentence naming the operation and the
// object, and a hint on what to do) and to scripts (the exit code).
#include <stdexcept>
#include <string>

namespace wharf::cli {

// Exit codes, stable for scripts (`wharf --help` lists them).
enum class exit_code : int {
    ok = 0,
    failed = 1,          // a plugin or the kernel refused; the message says which and why
    usage = 2,           // bad command line
    not_found = 3,       // no such network, sandbox, namespace or plugin
    already_exists = 4,  // a sandbox of that name exists
    permission = 5,      // needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)
    invalid_config = 6,  // a network configuration file is malformed
    interrupted = 130,   // stopped by Ctrl-C (after cleaning up)
};

class failure : public std::runtime_error {
public:
    failure(exit_code code, const std::string& message, std::string hint = {})
        : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}
    exit_code code() const noexcept { return code_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    exit_code code_;
    std::string hint_;
};

}  // namespace wharf::cli
