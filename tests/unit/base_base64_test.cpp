// Base64 as the result cache and kubeconfigs use it: RFC 4648's test vectors, and every kind of
// malformed input refused (bytes above 127 crashed yaml-cpp's decoder: fuzz_kubeconfig).
#include <doctest/doctest.h>

#include <string>

#include "base/base64.hpp"

using wharf::base64_decode;
using wharf::base64_encode;

TEST_CASE("RFC 4648's vectors encode and decode") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        CAPTURE(plain);
        CHECK(base64_encode(plain) == encoded);
        CHECK(base64_decode(encoded) == plain);
    }
    const std::string binary("\x00\xff\x80\x7f", 4);
    CHECK(base64_decode(base64_encode(binary)) == binary);
}

TEST_CASE("malformed base64 is refused") {
    for (const std::string& bad : {std::string("Zm9"), std::string("Zm9v\xad\xce\xbc="), std::string("Zm=v"), std::string("Zg==Zg=="),
                                  std::string("Zm9\0", 4), std::string("Zm9*")}) {
        CAPTURE(bad);
        CHECK(base64_decode(bad) == std::nullopt);
    }
}
