#pragma once
// The environment one plugin call runs with, built as libcni's invoke.Args builds it
// (pkg/invoke/args.go): an inherited environment with the call's CNI_* variables on top, each
// replacing an inherited variable of the same name, so that a plugin never sees two values. The one
// builder for IPAM delegation, the wharf runtime and the test runners.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wharf::cni {

// The variables one call sets. An empty optional leaves the variable as inherited (or out, under
// inherit::all_but_protocol); a value, even an empty one, is what the plugin gets.
struct invoke_args {
    std::string command;                      // CNI_COMMAND
    std::optional<std::string> container_id;  // CNI_CONTAINERID
    std::optional<std::string> netns;         // CNI_NETNS
    std::optional<std::string> ifname;        // CNI_IFNAME
    std::optional<std::string> args;          // CNI_ARGS: "K=V;K=V" (join_cni_args)
    std::optional<std::string> path;          // CNI_PATH: "dir:dir" (join_cni_path)
    // Any other variables, applied after those above and in order: a value sets the variable (or
    // replaces one set before), nullopt removes it.
    std::vector<std::pair<std::string, std::optional<std::string>>> extra;
};

// What a plugin inherits from the base environment.
enum class inherit {
    // Everything: a delegate answers its caller's request, so the caller's CNI_* variables pass on
    // except those the call replaces (IPAM delegation replaces only CNI_COMMAND, as libcni's
    // DelegateArgs does).
    all,
    // Everything but the six protocol variables: a runtime's call is described by the call alone
    // (libcni's Args sets all six).
    all_but_protocol,
};

// KEY=VALUE entries: the base environment (the process's own unless `base` is given, a
// null-terminated array shaped like `environ`), filtered by `from` and without the variables the call
// sets or removes, then the call's variables in the order of invoke_args, then `extra`.
std::vector<std::string> invoke_environment(const invoke_args& call, inherit from = inherit::all);
std::vector<std::string> invoke_environment(const invoke_args& call, inherit from, const char* const* base);

// "K1=V1;K2=V2", the CNI_ARGS of these pairs.
std::string join_cni_args(const std::vector<std::pair<std::string, std::string>>& args);
// "dir1:dir2", the CNI_PATH of these directories.
std::string join_cni_path(const std::vector<std::string>& dirs);

}  // namespace wharf::cni
