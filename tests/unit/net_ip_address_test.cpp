#include <doctest/doctest.h>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "net/prefix.hpp"

using namespace wharf::net;

TEST_CASE("ip_address parses and prints both families") {
    CHECK(ip_address::parse("10.1.2.3")->to_string() == "10.1.2.3");
    CHECK(ip_address::parse("fd00::1")->to_string() == "fd00::1");
    CHECK(ip_address::parse("fd00::1")->is_v6());
    CHECK_FALSE(ip_address::parse("10.1.2"));
    CHECK_FALSE(ip_address::parse("10.1.2.300"));
    CHECK_FALSE(ip_address::parse(""));
    CHECK_FALSE(ip_address::parse("hello"));
    using namespace std::string_literals;
    CHECK_FALSE(ip_address::parse("::\0\x81"s));
    CHECK_FALSE(ip_address::parse("10.0.0.1\0junk"s));
}

TEST_CASE("ip_address arithmetic carries across bytes and wraps") {
    CHECK(ip_address::parse("10.0.0.255")->next().to_string() == "10.0.1.0");
    CHECK(ip_address::parse("10.0.1.0")->prev().to_string() == "10.0.0.255");
    CHECK(ip_address::parse("255.255.255.255")->next().to_string() == "0.0.0.0");
    CHECK(ip_address::parse("fd00::ffff")->next().to_string() == "fd00::1:0");
    CHECK(ip_address::parse("fd00::1:0")->plus(-1).to_string() == "fd00::ffff");
    CHECK(ip_address::parse("10.0.0.1")->plus(256).to_string() == "10.0.1.1");
}

TEST_CASE("ip_address orders v4 before v6 and numerically") {
    CHECK(*ip_address::parse("10.0.0.2") < *ip_address::parse("10.0.0.10"));
    CHECK(*ip_address::parse("255.0.0.0") < *ip_address::parse("::1"));
}

TEST_CASE("prefix network, last, contains and overlap") {
    auto p = *prefix::parse("10.1.2.3/24");
    CHECK(p.network().to_string() == "10.1.2.0");
    CHECK(p.last().to_string() == "10.1.2.255");
    CHECK_FALSE(p.is_canonical());
    CHECK(p.canonical().to_string() == "10.1.2.0/24");
    CHECK(p.contains(*ip_address::parse("10.1.2.200")));
    CHECK_FALSE(p.contains(*ip_address::parse("10.1.3.1")));
    CHECK(p.mask().to_string() == "255.255.255.0");
    CHECK(p.size() == 256);
    CHECK(prefix::parse("10.1.0.0/16")->overlaps(*prefix::parse("10.1.5.0/24")));
    CHECK_FALSE(prefix::parse("10.1.0.0/16")->overlaps(*prefix::parse("10.2.0.0/16")));
    auto v6 = *prefix::parse("fd00:1::5/64");
    CHECK(v6.network().to_string() == "fd00:1::");
    CHECK(v6.last().to_string() == "fd00:1::ffff:ffff:ffff:ffff");
    CHECK(*prefix::parse("10.0.0.0/21") == prefix(*ip_address::parse("10.0.0.0"), 21));
    CHECK(prefix::parse("10.0.0.0/21")->last().to_string() == "10.0.7.255");
    CHECK_FALSE(prefix::parse("10.0.0.0"));
    CHECK_FALSE(prefix::parse("10.0.0.0/33"));
    CHECK_FALSE(prefix::parse("10.0.0.0/2x"));
    CHECK(prefix::any(family::v6).to_string() == "::/0");
}

TEST_CASE("mac parse and format") {
    CHECK(mac::parse("AA:bb:cc:00:11:22")->to_string() == "aa:bb:cc:00:11:22");
    CHECK(mac::parse("aa-bb-cc-00-11-22")->to_string() == "aa:bb:cc:00:11:22");
    CHECK_FALSE(mac::parse("aa:bb:cc:00:11"));
    CHECK_FALSE(mac::parse("aa:bb:cc:00:11:2g"));
    auto r = mac::random();
    CHECK(r.is_unicast());
    CHECK((r.bytes()[0] & 0x02) == 0x02);
}
