#pragma once
// Helpers shared by the fuzz targets: the input as text, and the first character as a CNI command.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cni/env.hpp"

namespace wharf::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// 'A'dd, 'D'el, 'C'heck, 'S'tatus, 'G'c, 'V'ersion; anything else is ADD (and stays part of the text).
inline cni::command take_command(std::string_view& in) {
    if (in.empty()) return cni::command::add;
    cni::command c;
    switch (in.front()) {
        case 'A': c = cni::command::add; break;
        case 'D': c = cni::command::del; break;
        case 'C': c = cni::command::check; break;
        case 'S': c = cni::command::status; break;
        case 'G': c = cni::command::gc; break;
        case 'V': c = cni::command::version; break;
        default: return cni::command::add;
    }
    in.remove_prefix(1);
    return c;
}

// The text split on '\n' (a trailing newline gives no empty last line).
inline std::vector<std::string> lines(std::string_view in) {
    std::vector<std::string> out;
    while (!in.empty()) {
        auto nl = in.find('\n');
        out.emplace_back(in.substr(0, nl));
        if (nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace wharf::fuzz
