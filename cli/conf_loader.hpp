#pragma once
// Network configurations, found and read the way libcni does it (libcni/conf.go):
//  - `*.conflist` files in the directory, sorted by file name, first whose "name" matches wins;
//    a conflist may omit "plugins" and take them from <dir>/<name>/*.conf (unless
//    "loadOnlyInlinedPlugins" is true);
//  - then `*.conf` and `*.json` files, sorted, each a single plugin, wrapped as a one-plugin list
//    {"cniVersion","name","plugins":[<the file>]};
//  - a file that does not parse stops the search with an error naming it (libcni does the same);
//  - "cniVersions" (a list) picks the highest version not newer than 1.1.0, "disableCheck" and
//    "disableGC" take a boolean or the strings "true"/"false".
#include <optional>
#include <string>
#include <vector>

#include "json/json.hpp"

namespace wharf::cli {

struct network_list {
    std::string name;
    std::string cni_version;
    bool disable_check = false;
    bool disable_gc = false;
    std::vector<nlohmann::json> plugins;  // each plugin's own object, as written
    std::string bytes;                    // the list as libcni caches it (the file, or the wrapper)
    std::string file;                     // where it came from
};

// A plugin's `type` and `capabilities`, read as libcni decodes them (into a Go struct, so the key in
// any case: "Type" works as "type"); empty when absent. The list's own keys and the capability names
// are exact, as libcni reads them from maps.
std::string plugin_type(const nlohmann::json& plugin);
nlohmann::json plugin_capabilities(const nlohmann::json& plugin);
// The bridge a network's list uses (its bridge plugin's "bridge", default cni0), or empty.
std::string bridge_of(const network_list& list);
// The subnets its plugins' IPAM sections name ("subnet", and each range's "subnet"), as written.
nlohmann::json subnets_of(const network_list& list);

// Parses a conflist document. `file` only names it in errors. Throws failure(invalid_config).
network_list parse_conflist(const std::string& bytes, const std::string& file);
// Parses a single-plugin .conf/.json document and wraps it. Throws failure(invalid_config).
network_list parse_single_conf(const std::string& bytes, const std::string& file);

// Finds network `name` in `dir`. Throws failure(not_found) when no file defines it (saying whether the
// directory had no configurations at all), failure(invalid_config) for a file that does not parse.
network_list load_network(const std::string& dir, const std::string& name);

// Every file in `dir`, in libcni's search order, parsed; for listings.
struct conf_entry {
    std::string file;
    std::optional<network_list> list;  // empty when the file does not parse
    std::string problem;               // why not
    bool shadowed = false;             // an earlier file defines the same network name
};
std::vector<conf_entry> load_all(const std::string& dir);

// The files libcni would consider, in its order: sorted conflists, then sorted .conf/.json.
std::vector<std::string> config_files(const std::string& dir);

}  // namespace wharf::cli
