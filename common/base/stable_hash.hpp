#pragma once
// A 64-bit FNV-1a hash: the same value in every build and on every machine (std::hash promises
// neither), for names and tags that outlive the process. Not for anything an adversary may choose.
#include <cstdint>
#include <string_view>

namespace wharf {

constexpr std::uint64_t stable_hash(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

}  // namespace wharf
