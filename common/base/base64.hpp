#pragma once
// Base64 (RFC 4648, the standard alphabet, padded), as libcni's result cache stores a network's
// configuration and a kubeconfig carries certificate-authority-data.
#include <optional>
#include <string>
#include <string_view>

namespace wharf {

std::string base64_encode(std::string_view data);
// nullopt for malformed input: a length that is not a multiple of 4, a byte outside the alphabet
// (any byte, NUL and bytes above 127 included), padding anywhere but at the end.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace wharf
