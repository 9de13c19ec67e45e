#pragma once
// Text without the white space around it (what files written by hand or by `echo` carry).
#include <string>
#include <string_view>

namespace wharf {

inline std::string trim(std::string_view s) {
    constexpr std::string_view space = " \t\r\n\v\f";
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    return std::string(s.substr(first, s.find_last_not_of(space) - first + 1));
}

}  // namespace wharf
