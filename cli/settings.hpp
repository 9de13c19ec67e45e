#pragma once
// Where `wharf` looks for things, from the environment (cnitool's variables, plus Wharf's own):
//   NETCONFPATH      network configurations   (default /etc/cni/net.d)
//   CNI_PATH         plugin binaries          (default /opt/cni/bin)
//   WHARF_CACHE_DIR  result cache root        (default /var/lib/cni, libcni's; results/ below it)
//   WHARF_STATE_DIR  sandbox records          (default /run/wharf/sandboxes)
//   WHARF_NETNS_DIR  named network namespaces (default /run/netns, iproute2's)
//   WHARF_NEGOTIATE  "off": send the list's cniVersion as libcni does, without asking VERSION first
#include <string>
#include <vector>

namespace wharf::cli {

struct settings {
    std::string conf_dir;
    std::vector<std::string> cni_path;
    std::string cache_dir;
    std::string state_dir;
    std::string netns_dir;
    bool negotiate_version = true;
};

settings settings_from_environment();

// Where `wharf demo` and `wharf net create` look for plugins: CNI_PATH when it is set, else the
// directory of the running `wharf` (a build's bin/) before s.cni_path, unless that directory is
// one of the system's command directories (/usr/bin, ...), where other programs' `bridge` live.
std::vector<std::string> plugin_search_path(const settings& s);

// Splits a PATH-style list on ':' dropping empty parts.
std::vector<std::string> split_path_list(const std::string& text);

}  // namespace wharf::cli
