#include "cli/settings.hpp"

#include <cstdlib>
#include <filesystem>

namespace wharf::cli {

namespace {
std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}
}  // namespace

std::vector<std::string> split_path_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(':', start);
        std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!part.empty()) out.push_back(part);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

settings settings_from_environment() {
    settings s;
    s.conf_dir = env_or("NETCONFPATH", "/etc/cni/net.d");
    s.cni_path = split_path_list(env_or("CNI_PATH", "/opt/cni/bin"));
    s.cache_dir = env_or("WHARF_CACHE_DIR", "/var/lib/cni");
    s.state_dir = env_or("WHARF_STATE_DIR", "/run/wharf/sandboxes");
    s.netns_dir = env_or("WHARF_NETNS_DIR", "/run/netns");
    s.negotiate_version = env_or("WHARF_NEGOTIATE", "on") != std::string("off");
    return s;
}

std::vector<std::string> plugin_search_path(const settings& s) {
    std::vector<std::string> path = s.cni_path;
    if (std::getenv("CNI_PATH")) return path;
    const std::string own = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
    // An installed wharf sits among the system's commands, where `bridge` is iproute2's and
    // `portmap` rpcbind's: its plugins are in CNI_PATH's default, /opt/cni/bin, not beside it.
    for (const char* system_dir : {"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/local/sbin"})
        if (own == system_dir) return path;
    path.insert(path.begin(), own);
    return path;
}

}  // namespace wharf::cli
