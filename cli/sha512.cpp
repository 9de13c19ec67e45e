#include "cli/sha512.hpp"

#include <nettle/sha2.h>

namespace wharf::cli {

std::array<std::uint8_t, 64> sha512(std::string_view data) {
    static_assert(SHA512_DIGEST_SIZE == 64);
    sha512_ctx ctx;
    sha512_init(&ctx);
    sha512_update(&ctx, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
    std::array<std::uint8_t, 64> digest{};
    sha512_digest(&ctx, digest.size(), digest.data());
    return digest;
}

}  // namespace wharf::cli
