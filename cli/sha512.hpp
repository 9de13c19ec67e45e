#pragma once
// SHA-512, for cnitool's container IDs, from nettle (Debian's nettle-dev). `wharf` is static like the
// plugins, and nettle's static archive links only the hash it needs; libcrypto's would pull in far more.
#include <array>
#include <cstdint>
#include <string_view>

namespace wharf::cli {

std::array<std::uint8_t, 64> sha512(std::string_view data);

}  // namespace wharf::cli
