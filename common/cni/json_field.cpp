#include "cni/json_field.hpp"

namespace wharf::cni {

namespace {

// The next rune of `s` from `i`, folded: an ASCII letter lowercased, the Kelvin sign (E2 84 AA)
// as 'k', long s (C5 BF) as 's', any other byte as itself. Advances `i` past what it read.
unsigned fold_next(std::string_view s, std::size_t& i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c >= 'A' && c <= 'Z') {
        ++i;
        return c - 'A' + 'a';
    }
    if (c == 0xE2 && i + 2 < s.size() && byte(i + 1) == 0x84 && byte(i + 2) == 0xAA) {
        i += 3;
        return 'k';
    }
    if (c == 0xC5 && i + 1 < s.size() && byte(i + 1) == 0xBF) {
        i += 2;
        return 's';
    }
    ++i;
    return c;
}

}  // namespace

bool equal_fold(std::string_view a, std::string_view b) noexcept {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size())
        if (fold_next(a, i) != fold_next(b, j)) return false;
    return i == a.size() && j == b.size();
}

const nlohmann::json* find_field(const nlohmann::json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    if (auto it = obj.find(key); it != obj.end()) return &*it;
    // nlohmann's objects are sorted maps: among several folded matches this takes the first in byte
    // order ("HostPort" before "hostport"), not in the document. Go's decoder would let the last one
    // in the document win; a config that spells one key twice in different cases is broken anyway.
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (equal_fold(it.key(), key)) return &it.value();
    return nullptr;
}

const nlohmann::json* find_value(const nlohmann::json& obj, std::string_view key) {
    const nlohmann::json* v = find_field(obj, key);
    return v && !v->is_null() ? v : nullptr;
}

std::string_view key_as_written(const nlohmann::json& obj, std::string_view key) {
    if (!obj.is_object() || obj.contains(key)) return key;
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (equal_fold(it.key(), key)) return it.key();
    return key;
}

}  // namespace wharf::cni
