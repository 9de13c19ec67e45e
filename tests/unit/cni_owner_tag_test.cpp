// Owner tags (common/cni/owner_tag): stable, scoped by network, container and interface, parseable at
// the start of a comment or an alias, and never longer than an nftables comment.
#include <doctest/doctest.h>

#include "base/stable_hash.hpp"
#include "cni/owner_tag.hpp"

using namespace wharf;
using namespace wharf::cni;

TEST_CASE("stable_hash is 64-bit FNV-1a") {
    CHECK(stable_hash("") == 0xcbf29ce484222325ULL);
    CHECK(stable_hash("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(stable_hash("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("a tag names its network's hash, the interface and the container") {
    const std::string t = owner_tag("net1", "ctr", "eth0");
    CHECK(t == network_tag_prefix("net1") + "eth0:ctr");
    CHECK(t.starts_with("wharf:"));
    CHECK(network_tag_prefix("net1").size() == 6 + 16 + 1);
    auto o = parse_owner_tag(t);
    REQUIRE(o);
    CHECK(o->tag == t);
    CHECK(o->container == "ctr");
    CHECK(o->ifname == "eth0");
    CHECK(network_tag_prefix("net1") == "wharf:" + o->network_hash + ":");
}

TEST_CASE("tags differ by network, container and interface, and are stable") {
    const std::string t = owner_tag("net1", "ctr", "eth0");
    CHECK(t == owner_tag("net1", "ctr", "eth0"));
    CHECK(t != owner_tag("net2", "ctr", "eth0"));
    CHECK(t != owner_tag("net1", "ctr", "eth1"));
    CHECK(t != owner_tag("net1", "ctr2", "eth0"));
    CHECK(owner_tag("net1", "ab", "c") != owner_tag("net1", "a", "bc"));
    CHECK(same_container(t, owner_tag("net2", "ctr", "eth1")));
    CHECK_FALSE(same_container(t, owner_tag("net1", "ctx", "eth0")));
}

TEST_CASE("a long container id is cut and hashed so that the tag fits a comment and stays unique") {
    const std::string long_id(200, 'f');
    const std::string l = owner_tag("net", long_id, "eth0");
    CHECK(l.size() == 127);
    CHECK(l != owner_tag("net", long_id + "0", "eth0"));
    auto o = parse_owner_tag(l);
    REQUIRE(o);
    CHECK(o->container.find('~') != std::string::npos);
    CHECK(same_container(l, owner_tag("other", long_id, "eth1")));
}

TEST_CASE("the tag at the start of an alias or comment is found; anything else is not a tag") {
    const std::string t = owner_tag("net1", "ctr", "eth0");
    CHECK(tag_of(t) == t);
    CHECK(tag_of(t + " net1 ctr/eth0") == t);
    CHECK(tag_of("some alias") == "");
    CHECK(tag_of("wharf:1234") == "");
    CHECK(tag_of("wharf:0123456789abcdef:eth0:") == "");            // no container
    CHECK(tag_of("wharf:0123456789abcdef::ctr") == "");             // no interface
    CHECK(tag_of("wharf:0123456789abcdeg:eth0:ctr") == "");         // not hex
    CHECK(tag_of("wharf:0123456789abcdef:eth0123456789abc:ctr") == "");  // interface name too long
    CHECK(tag_of("wharf:0123456789abcdef:eth0:ctr") == "wharf:0123456789abcdef:eth0:ctr");
    CHECK_FALSE(same_container("wharf:1234", t));
}
