#include "cni/invoke_find.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace wharf::cni {

bool is_plugin_name(std::string_view type) noexcept {
    return !type.empty() && type.find('/') == std::string_view::npos && type != "." && type != "..";
}

std::optional<std::string> find_in_path(std::string_view type, const std::vector<std::string>& path) {
    if (!is_plugin_name(type)) return std::nullopt;
    for (const auto& dir : path) {
        std::string candidate = dir + "/" + std::string(type);
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

}  // namespace wharf::cni
