// The tuning plugin's sysctl keys: which are refused and why, the path each names, duplicates.
#include <doctest/doctest.h>

#include <stdexcept>

#include "sysctl_key.hpp"

using namespace wharf::tuning;

TEST_CASE("net.* keys pass; keys outside net, with empty, '.' or '..' parts or odd characters are refused") {
    for (const char* good : {"net.ipv4.ip_forward", "net.ipv4.conf.IFNAME.arp_notify", "net/ipv4/conf/all/rp_filter",
                             "net.core.somaxconn", "net.ipv6.conf.veth-x_1.accept_ra"}) {
        INFO(good);
        CHECK(sysctl_key_problem(good).empty());
    }
    CHECK(sysctl_key_problem("kernel.shmmax") == "does not start with \"net\"");
    CHECK(sysctl_key_problem("network.x") == "does not start with \"net\"");
    CHECK(sysctl_key_problem("") == "does not start with \"net\"");
    CHECK(sysctl_key_problem("/net/ipv4/ip_forward") == "does not start with \"net\"");
    CHECK(sysctl_key_problem("net") == "names no parameter under net");
    CHECK(sysctl_key_problem("net.") == "has an empty part");
    CHECK(sysctl_key_problem("net.ipv4.") == "has an empty part");
    CHECK(sysctl_key_problem("net//ipv4") == "has an empty part");
    CHECK(sysctl_key_problem("net..ipv4") == "holds \"..\"");
    CHECK(sysctl_key_problem("net/../kernel/shmmax") == "holds \"..\"");
    CHECK(sysctl_key_problem("net/./ipv4/ip_forward") == "has an empty part");
    CHECK(sysctl_key_problem("net.ipv4.ip forward") == "holds white space or a control character");
    CHECK(sysctl_key_problem(std::string("net.ipv4\0.x", 11)) == "holds white space or a control character");
    CHECK(sysctl_key_problem("net.ipv4.conf.eth0\n.x") == "holds white space or a control character");
}

TEST_CASE("the path: separators become '/', the first IFNAME becomes the interface, whose dots stay") {
    CHECK(sysctl_path("net.ipv4.conf.IFNAME.arp_notify", "eth0") == "net/ipv4/conf/eth0/arp_notify");
    CHECK(sysctl_path("net.ipv4.conf.IFNAME.arp_notify", "eth0.100") == "net/ipv4/conf/eth0.100/arp_notify");
    CHECK(sysctl_path("net/ipv6/conf/IFNAME/accept_ra", "net1") == "net/ipv6/conf/net1/accept_ra");
    CHECK(sysctl_path("net.ipv4.ip_forward", "eth0") == "net/ipv4/ip_forward");
    CHECK(sysctl_path("net.x.IFNAME.IFNAME", "a") == "net/x/a/IFNAME");  // only the first, as the reference
    // An interface name that would make a part of its own "..": refused, never a path out of net.
    CHECK_THROWS_AS(sysctl_path("net.IFNAME", ".."), std::invalid_argument);
}

TEST_CASE("duplicate keys in sysctl and args.cni.sysctl are found in the text; elsewhere they do not matter") {
    CHECK_FALSE(duplicate_sysctl_key(R"({"sysctl":{"net.a.b":"1","net.a.c":"1"}})"));
    CHECK(duplicate_sysctl_key(R"({"sysctl":{"net.a.b":"1","net.a.b":"0"}})") == "net.a.b");
    CHECK(duplicate_sysctl_key(R"({"SysCtl":{"net.a.b":"1","net.a.b":"0"}})") == "net.a.b");  // keys as Go reads them
    CHECK(duplicate_sysctl_key(R"({"args":{"cni":{"sysctl":{"net.x.y":"1","net.x.y":"1"}}}})") == "net.x.y");
    CHECK_FALSE(duplicate_sysctl_key(R"({"other":{"sysctl":{"net.a.b":"1","net.a.b":"0"}}})"));
    CHECK_FALSE(duplicate_sysctl_key(R"({"sysctl":{"net.a.b":"1"},"x":{"net.a.b":"1"}})"));
    CHECK_FALSE(duplicate_sysctl_key(R"({"name":"a","name":"b","sysctl":{"net.a.b":"1"}})"));
    CHECK_FALSE(duplicate_sysctl_key(R"([{"sysctl":{"net.a.b":"1","net.a.b":"0"}}])"));  // not under the root object
    CHECK_FALSE(duplicate_sysctl_key("not json"));
    // Nested objects in the sysctl object have keys of their own.
    CHECK_FALSE(duplicate_sysctl_key(R"({"sysctl":{"net.a":{"k":1},"net.b":{"k":1}}})"));
}
