// nft pieces that need no kernel state: value encoders, verdict and error text, and how a
// transaction describes and splits its commands before anything is sent.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "nft/error.hpp"
#include "nft/transaction.hpp"
#include "nft/value.hpp"

using namespace wharf;
using nft::family;

TEST_CASE("value encoders use the kernel's layout") {
    CHECK(nft::addr(*net::ip_address::parse("10.1.2.3")) == nft::bytes{10, 1, 2, 3});
    CHECK(nft::addr(*net::ip_address::parse("fd00::1")).size() == 16);
    CHECK(nft::port(8080) == nft::bytes{0x1f, 0x90});
    CHECK(nft::proto(6) == nft::bytes{6});
    CHECK(nft::ifname("eth0") == nft::bytes{'e', 't', 'h', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK_THROWS_AS(nft::ifname("a-name-too-long-x"), std::invalid_argument);
    // Each member of a concatenation is padded to 4 bytes.
    CHECK(nft::concat({nft::addr(*net::ip_address::parse("10.0.0.1")), nft::port(80)}) ==
          nft::bytes{10, 0, 0, 1, 0, 80, 0, 0});
    CHECK(nft::datatype::concat({nft::datatype::ipv4_addr, nft::datatype::inet_service}) == (7u << 6 | 13u));
}

TEST_CASE("verdicts print as nft does") {
    CHECK(nft::verdict::accept().to_string() == "accept");
    CHECK(nft::verdict::drop().to_string() == "drop");
    CHECK(nft::verdict::ret().to_string() == "return");
    CHECK(nft::verdict::jump("x").to_string() == "jump x");
    CHECK(nft::verdict::go_to("y").to_string() == "goto y");
}

TEST_CASE("nft::error names every failed command with errno and kernel text") {
    nft::error one(ENOENT, "add rule inet t c", "chain not found");
    CHECK(one.code_value() == ENOENT);
    CHECK(one.detail() == "chain not found");
    std::string what = one.what();
    CHECK(what.find("add rule inet t c") != std::string::npos);
    CHECK(what.find("chain not found") != std::string::npos);
    CHECK(what.find(std::strerror(ENOENT)) != std::string::npos);

    nft::error two({{5, ENOENT, "add rule inet t a", ""}, {6, EEXIST, "add set inet t s", "exists"}});
    CHECK(two.code_value() == ENOENT);
    REQUIRE(two.failures().size() == 2);
    CHECK(two.failures()[1].seq == 6);
    what = two.what();
    CHECK(what.find("add set inet t s") != std::string::npos);
    CHECK(what.find(std::strerror(EEXIST)) != std::string::npos);
    CHECK_THROWS_AS(nft::error(std::vector<nft::failure>{}), std::logic_error);
}

TEST_CASE("a transaction describes its commands and splits long element lists") {
    auto sock = netlink::socket::open(NETLINK_NETFILTER);  // opening a netfilter socket needs no privilege
    nft::transaction tx{sock};
    CHECK(tx.empty());
    tx.add(nft::table{family::inet, "t"});
    tx.add(nft::chain{.fam = family::inet, .table = "t", .name = "c"});
    tx.add(nft::set{.fam = family::ip, .table = "t", .name = "m", .key_type = nft::datatype::ipv4_addr, .key_len = 4,
                    .flags = NFT_SET_MAP, .data_type = NFT_DATA_VERDICT});
    tx.add(nft::rule{family::inet, "t", "c"}.accept());
    tx.insert(nft::rule{family::inet, "t", "c"}.drop());
    tx.remove(nft::rule_ref{family::inet, "t", "c", 42});
    tx.flush(nft::chain{.fam = family::inet, .table = "t", .name = "c"});
    tx.flush(nft::set_ref{family::ip, "t", "m"});
    tx.remove(nft::table{family::bridge, "b"});
    CHECK(tx.commands() == std::vector<std::string>{
                               "add table inet t", "add chain inet t c", "add map ip t m", "add rule inet t c",
                               "insert rule inet t c", "delete rule inet t c handle 42", "flush chain inet t c",
                               "flush set ip t m", "delete table bridge b"});

    nft::transaction big{sock};
    std::vector<nft::element> many(5000, nft::element{.key = {10, 0, 0, 1}, .comment = "owner"});
    big.add_elements({family::inet, "t", "s"}, many);
    auto commands = big.commands();
    REQUIRE(commands.size() > 1);
    CHECK(commands.front().find("add element inet t s (elements 1-") == 0);
    CHECK(commands.back().find(" of 5000)") != std::string::npos);

    std::vector<nft::element> few(3, nft::element{.key = {10, 0, 0, 1}});
    nft::transaction small{sock};
    small.remove_elements({family::inet, "t", "s"}, few);
    CHECK(small.commands() == std::vector<std::string>{"delete element inet t s"});
}

TEST_CASE("rule comments longer than nft allows are refused") {
    nft::rule r{family::inet, "t", "c"};
    CHECK_NOTHROW(r.comment(std::string(127, 'x')));
    CHECK_THROWS_AS(r.comment(std::string(128, 'x')), std::invalid_argument);
}
