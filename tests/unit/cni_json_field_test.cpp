// cni::find_field and friends: object keys matched as the reference plugins' decoder (Go's
// encoding/json) matches them, the exact key first, then any key equal under case folding.
#include <doctest/doctest.h>

#include "cni/json_field.hpp"
#include "json/json.hpp"

using namespace wharf::cni;
using nlohmann::json;

TEST_CASE("equal_fold: ASCII letters without case, everything else exactly") {
    CHECK(equal_fold("hostPort", "HostPort"));
    CHECK(equal_fold("hostport", "HOSTPORT"));
    CHECK(equal_fold("pciID", "PCIid"));
    CHECK(equal_fold("", ""));
    CHECK_FALSE(equal_fold("hostPort", "hostPorts"));
    CHECK_FALSE(equal_fold("hostPort", "host_port"));
    CHECK_FALSE(equal_fold("ip", "ipx"));
    CHECK_FALSE(equal_fold("a", ""));
    // '@' (0x40) and '`' (0x60) sit next to the letters; they must not fold onto each other.
    CHECK_FALSE(equal_fold("@", "`"));
    CHECK_FALSE(equal_fold("[", "{"));
}

TEST_CASE("equal_fold: the Kelvin sign and long s fold onto k and s, as in Go") {
    CHECK(equal_fold("\xE2\x84\xAA" "ey", "key"));  // U+212A KELVIN SIGN
    CHECK(equal_fold("ma\xC5\xBF" "k", "MASK"));     // U+017F LATIN SMALL LETTER LONG S
    CHECK_FALSE(equal_fold("\xE2\x84", "k"));        // a truncated sequence is just bytes
    CHECK_FALSE(equal_fold("\xC3\xA9", "e"));        // é is not e
}

TEST_CASE("find_field: the exact key wins over folded ones; otherwise the first folded match") {
    json o = json::parse(R"({"HostPort": 1, "hostPort": 2, "CONTAINERPORT": 3, "other": null})");
    REQUIRE(find_field(o, "hostPort"));
    CHECK(*find_field(o, "hostPort") == 2);
    REQUIRE(find_field(o, "HostPort"));
    CHECK(*find_field(o, "HostPort") == 1);
    REQUIRE(find_field(o, "containerPort"));
    CHECK(*find_field(o, "containerPort") == 3);
    // Neither exact: the first in key order ("HOSTPORT" sorts before "HostPort" and "hostPort").
    json two = json::parse(R"({"hostport": "lower", "HOSTPORT": "upper"})");
    CHECK(*find_field(two, "hostPort") == "upper");
    CHECK(find_field(o, "protocol") == nullptr);
}

TEST_CASE("find_value treats null as absent; non-objects hold nothing") {
    json o = json::parse(R"({"other": null, "Set": false})");
    CHECK(find_field(o, "other") != nullptr);
    CHECK(find_value(o, "other") == nullptr);
    REQUIRE(find_value(o, "set"));
    CHECK(*find_value(o, "set") == false);
    CHECK(find_field(json::array({1, 2}), "0") == nullptr);
    CHECK(find_field(json("text"), "text") == nullptr);
    CHECK(find_field(json(), "x") == nullptr);
}

TEST_CASE("key_as_written names the key the user spelled") {
    json o = json::parse(R"({"HostPort": 1, "protocol": "tcp"})");
    CHECK(key_as_written(o, "hostPort") == "HostPort");
    CHECK(key_as_written(o, "protocol") == "protocol");
    CHECK(key_as_written(o, "hostIP") == "hostIP");
}
