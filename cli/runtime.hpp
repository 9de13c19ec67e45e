#pragma once
// cli::runtime: runs a network configuration list the way libcni does (libcni/api.go):
//  - ADD runs the plugins in order, each getting the list's "name" and "cniVersion" and the previous
//    plugin's result as "prevResult"; the last result is cached (result_cache) and returned.
//  - CHECK (0.4.0+, unless "disableCheck") and DEL (in reverse) get the cached result, converted to
//    the list's version, as "prevResult"; DEL removes the cache entry.
//  - GC DELs every cached attachment of the network that is not in `valid`, then (1.1.0+, unless
//    "disableGC") sends GC with "cni.dev/valid-attachments"; STATUS (1.1.0+) asks every plugin.
//  - "runtimeConfig" carries the capability arguments each plugin declares in "capabilities".
// One addition to libcni: the version actually sent is negotiated against the plugins' VERSION
// answers. When every plugin supports the list's version (the usual case) nothing changes; when one
// does not (the reference plugins stop at 1.0.0), the highest version all of them support that is
// not newer than the list's is used instead of failing.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/conf_loader.hpp"
#include "cli/failure.hpp"
#include "cli/result_cache.hpp"
#include "cli/version_cache.hpp"
#include "json/json.hpp"

namespace wharf::cli {

struct runtime_conf {
    std::string container_id;
    std::string netns;
    std::string ifname = "eth0";
    std::vector<std::pair<std::string, std::string>> args;      // CNI_ARGS
    nlohmann::json capability_args = nlohmann::json::object();  // CAP_ARGS, -p, --ip
};

struct runtime_options {
    std::vector<std::string> path;           // CNI_PATH
    std::string cache_dir = "/var/lib/cni";  // results/ lives below it
    bool negotiate_version = true;
    bool own_process_group = false;          // see plugin_call::own_process_group
};

// A plugin answered with an error (or crashed): which plugin, which command, and the CNI error.
class plugin_failure : public failure {
public:
    plugin_failure(const std::string& description, const std::string& command, unsigned cni_code,
                   const std::string& msg, const std::string& details);
    unsigned cni_code() const noexcept { return cni_code_; }

private:
    unsigned cni_code_;
};

struct gc_attachment {
    std::string container_id;
    std::string ifname;
};

class runtime {
public:
    explicit runtime(runtime_options options);

    nlohmann::json add(const network_list& list, const runtime_conf& rt);
    void check(const network_list& list, const runtime_conf& rt);
    void del(const network_list& list, const runtime_conf& rt);
    void gc(const network_list& list, const std::vector<gc_attachment>& valid);
    void status(const network_list& list);

    // The version the chain is run with (see above); asks each plugin's VERSION at most once, and not
    // at all while version_cache holds its answer.
    std::string chain_version(const network_list& list);
    std::string find_plugin(const std::string& type) const;
    const result_cache& cache() const noexcept { return cache_; }
    const runtime_options& options() const noexcept { return options_; }

private:
    std::vector<std::string> supported_versions(const std::string& binary);
    // Runs one plugin; returns its stdout (a result for ADD) or throws plugin_failure.
    std::string invoke(const nlohmann::json& plugin, const std::string& command, const nlohmann::json& conf,
                       const runtime_conf* rt);
    std::optional<nlohmann::json> cached_result(const network_list& list, const runtime_conf& rt,
                                                const std::string& version, bool tolerate_bad);

    runtime_options options_;
    result_cache cache_;
    version_cache version_cache_;
    std::map<std::string, std::vector<std::string>> versions_;
    std::map<std::string, std::string> chain_versions_;
};

// The config one plugin receives: its own object plus name, cniVersion, prevResult (when given) and
// runtimeConfig (the capability arguments it declares). Exposed for tests.
nlohmann::json build_plugin_conf(const nlohmann::json& plugin, const std::string& name, const std::string& version,
                                 const nlohmann::json* prev_result, const nlohmann::json& capability_args);

// The highest version not newer than `wanted` that every list in `supported` contains; `wanted` if
// all contain it; nullopt if there is none. Exposed for tests.
std::optional<std::string> negotiate_version(const std::string& wanted,
                                             const std::vector<std::vector<std::string>>& supported);

// Converts a result to `version` (via the one internal model); throws cni::error if it cannot.
nlohmann::json convert_result(const nlohmann::json& result, const std::string& version);

}  // namespace wharf::cli
