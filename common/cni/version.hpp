#pragma once
// Spec versions: which ones Wharf speaks, comparison, and the VERSION command's answer.
#include <nlohmann/json_fwd.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::cni {

inline constexpr std::string_view latest_version = "1.1.0";
inline constexpr std::array<std::string_view, 7> supported_versions = {"0.1.0", "0.2.0", "0.3.0", "0.3.1",
                                                                       "0.4.0", "1.0.0", "1.1.0"};

struct semver {
    int major = 0, minor = 0, patch = 0;
    friend auto operator<=>(const semver&, const semver&) = default;
};

std::optional<semver> parse_semver(std::string_view text);
bool is_supported_version(std::string_view v);
// True when version `v` is at least `min` (both must parse; false otherwise).
bool version_at_least(std::string_view v, std::string_view min);
// The VERSION answer: {"cniVersion": <latest>, "supportedVersions": [...]}.
nlohmann::json version_info();

}  // namespace wharf::cni
