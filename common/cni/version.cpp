#include "cni/version.hpp"

#include <charconv>

#include "json/json.hpp"

namespace wharf::cni {

std::optional<semver> parse_semver(std::string_view text) {
    semver v;
    int* parts[3] = {&v.major, &v.minor, &v.patch};
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 3; ++i) {
        auto [next, ec] = std::from_chars(p, end, *parts[i]);
        if (ec != std::errc{} || next == p) return std::nullopt;
        p = next;
        if (i < 2) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
    }
    if (p != end) return std::nullopt;
    return v;
}

bool is_supported_version(std::string_view v) {
    for (auto s : supported_versions)
        if (s == v) return true;
    return false;
}

bool version_at_least(std::string_view v, std::string_view min) {
    auto a = parse_semver(v);
    auto b = parse_semver(min);
    return a && b && *a >= *b;
}

nlohmann::json version_info() {
    nlohmann::json versions = nlohmann::json::array();
    for (auto v : supported_versions) versions.push_back(std::string(v));
    return {{"cniVersion", std::string(latest_version)}, {"supportedVersions", versions}};
}

}  // namespace wharf::cni
