#pragma once
// Object keys matched the way the reference plugins' decoder (Go's encoding/json) matches them
// against struct fields: the exact key if the object has it, otherwise the first key that equals
// the wanted one under case folding. A runtime that works with the reference (containerd sends
// "HostPort", "ContainerPort", ... because go-cni's structs carry no JSON tags) works with Wharf.
// Every plugin reads JSON objects through these; none compares keys itself.
#include <string_view>

#include "json/json.hpp"

namespace wharf::cni {

// True when `a` and `b` are equal under the folding Go applies to field names: ASCII letters
// without case, and U+212A KELVIN SIGN and U+017F LATIN SMALL LETTER LONG S as 'k' and 's' (the two
// non-ASCII runes that fold onto ASCII letters). Other bytes compare exactly.
bool equal_fold(std::string_view a, std::string_view b) noexcept;

// The member of `obj` that holds `key`: the exact key first, else the first member (in key order)
// whose key is equal_fold to it. nullptr when `obj` is not an object or nothing matches.
const nlohmann::json* find_field(const nlohmann::json& obj, std::string_view key);

// As find_field, but a JSON null counts as absent (Go leaves the field at its zero value).
const nlohmann::json* find_value(const nlohmann::json& obj, std::string_view key);

// The spelling of `key` in `obj` (its own key, which may differ in case), or `key` when absent:
// for error messages that should name what the user wrote.
std::string_view key_as_written(const nlohmann::json& obj, std::string_view key);

}  // namespace wharf::cni
