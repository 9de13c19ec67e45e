#pragma once
// The runtime's request as the CNI_* environment variables carry it.
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wharf::cni {

enum class command { add, del, check, version, status, gc };

std::string_view command_name(command c);  // "ADD", "DEL", ...

struct request {
    command cmd = command::version;
    std::string container_id;  // CNI_CONTAINERID
    std::string netns;         // CNI_NETNS (may be empty for DEL, STATUS, GC)
    std::string ifname;        // CNI_IFNAME
    std::string args_raw;      // CNI_ARGS as given
    std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS parsed, in order
    std::vector<std::string> path;                            // CNI_PATH split on ':'
    // DEL only: CNI_ARGS pairs that could not be read and were skipped, one line each
    // (plugin_main logs them once logging is configured).
    std::vector<std::string> ignored;
    // The value of a CNI_ARGS key (last one wins), if present.
    std::optional<std::string> arg(std::string_view key) const;
};

// Looks a variable up; the default reads the process environment.
using env_lookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_env(const char* name);

// Reads and validates CNI_COMMAND and the variables that command requires. Each missing or malformed
// variable throws cni::error code 4 (invalid_env) naming the variable; an unknown command too.
// CNI_ARGS is per-request input that DEL does not need: on DEL a malformed pair is skipped and
// recorded in `ignored` instead.
request read_request(const env_lookup& env = process_env);

// The reference's rule for CNI_ARGS (libcni's types.LoadArgs): every key must be one the plugin
// reads (`known`, matched exactly) or IgnoreUnknown, unless IgnoreUnknown is "1" or "true" (any case).
// Throws code 4 (invalid_env) naming the unknown pairs, or an IgnoreUnknown that is not a boolean
// ("0"/"false" are the others). Plugins that call it read nothing else from CNI_ARGS.
void check_known_args(const request& req, std::initializer_list<std::string_view> known);

// Validators, shared with plugins that take names from config.
// Spec pattern ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ (container IDs and network names).
bool is_valid_identifier(std::string_view s);
// An interface name: 1-15 bytes, no '/', ':' or white space, not "." or "..". Returns why not, or empty.
std::string interface_name_problem(std::string_view s);

}  // namespace wharf::cni
