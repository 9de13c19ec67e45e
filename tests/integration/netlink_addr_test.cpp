// Addresses against the real kernel, inside a sandbox namespace; `ip -j addr` observes independently.
#include <doctest/doctest.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "json/json.hpp"
#include "netlink/addr.hpp"
#include "netlink/error.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "support/sandbox.hpp"

using namespace wharf;
using namespace wharf::netlink;
using nlohmann::json;

namespace {

// A sandbox namespace with a veth pair whose first end is up, and a socket bound inside.
struct addr_env {
    addr_env() {
        link::create_veth(nl, {.name = name, .peer_name = test::unique_name("wap")});
        index = link::get_link(nl, name).index;
        link::set_up(nl, index);
    }
    bool root_checked = [] {
        REQUIRE_MESSAGE(geteuid() == 0, "integration tests need root (run `ctest -L unit` without)");
        return true;
    }();
    test::netns_sandbox sandbox{"wad"};
    netns::handle ns = netns::handle::open(sandbox.path());
    netlink::socket nl = netns::open_socket(ns, NETLINK_ROUTE);
    std::string name = test::unique_name("wad");
    if_index index;
};

// "10.x.y.0/24" -> "10.x.y.<host>/24"; "fd..::/64" -> "fd..::<host>/64".
net::prefix host_in(const std::string& subnet, int host) {
    const auto p = *net::prefix::parse(subnet);
    return net::prefix(p.network().plus(host), p.length());
}

bool has(const std::vector<addr::entry>& entries, const net::prefix& p) {
    return std::any_of(entries.begin(), entries.end(), [&](const addr::entry& e) { return e.address == p; });
}

// The "local/prefixlen" strings `ip -j addr show dev` reports.
std::vector<std::string> ip_addrs(const addr_env& env) {
    const json parsed = json::parse(test::run_shell("ip -n " + env.sandbox.name() + " -j addr show dev " + env.name));
    std::vector<std::string> out;
    for (const auto& a : parsed.at(0)["addr_info"]) {
        out.push_back(a["local"].get<std::string>() + "/" + std::to_string(a["prefixlen"].get<int>()));
    }
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("IPv4 and IPv6 addresses: add, list, remove twice") {
    addr_env env;
    const net::prefix v4 = host_in(test::unique_subnet_v4(), 2);
    const net::prefix v6 = host_in(test::unique_subnet_v6(), 2);
    addr::add(env.nl, {.ifindex = env.index, .address = v4});
    addr::add(env.nl, {.ifindex = env.index, .address = v6, .nodad = true});

    const auto all = addr::list(env.nl, env.index);
    CHECK(has(all, v4));
    CHECK(has(all, v6));
    const auto only_v4 = addr::list(env.nl, env.index, net::family::v4);
    CHECK(has(only_v4, v4));
    CHECK_FALSE(has(only_v4, v6));
    const auto only_v6 = addr::list(env.nl, env.index, net::family::v6);
    CHECK(has(only_v6, v6));
    CHECK_FALSE(has(only_v6, v4));
    for (const auto& e : only_v6) {
        if (e.address != v6) continue;
        CHECK((e.flags & IFA_F_NODAD) != 0);
        CHECK((e.flags & IFA_F_TENTATIVE) == 0);  // no DAD, so usable at once
        CHECK(e.scope == RT_SCOPE_UNIVERSE);
        CHECK(e.ifindex == env.index);
    }

    const auto seen = ip_addrs(env);
    CHECK(contains(seen, v4.to_string()));
    CHECK(contains(seen, v6.to_string()));
    const json ip_v4 = json::parse(test::run_shell("ip -n " + env.sandbox.name() + " -4 -j addr show dev " + env.name));
    CHECK(ip_v4.at(0)["addr_info"].at(0)["broadcast"] == v4.last().to_string());

    CHECK(addr::remove(env.nl, env.index, v4));
    CHECK(addr::remove(env.nl, env.index, v6));
    CHECK_FALSE(addr::remove(env.nl, env.index, v4));
    CHECK_FALSE(addr::remove(env.nl, env.index, v6));
    CHECK_FALSE(has(addr::list(env.nl, env.index), v4));
    CHECK_FALSE(contains(ip_addrs(env), v4.to_string()));
    CHECK_FALSE(contains(ip_addrs(env), v6.to_string()));

    // On a link that no longer exists, removal reports "already gone" as well.
    CHECK(link::remove(env.nl, env.index));
    CHECK_FALSE(addr::remove(env.nl, env.index, v4));
}

TEST_CASE("a duplicate address fails with EEXIST and carries the kernel's explanation") {
    addr_env env;
    const net::prefix v4 = host_in(test::unique_subnet_v4(), 7);
    addr::add(env.nl, {.ifindex = env.index, .address = v4});
    try {
        addr::add(env.nl, {.ifindex = env.index, .address = v4});
        FAIL("duplicate address was accepted");
    } catch (const error& e) {
        CHECK(e.code_value() == EEXIST);
        CHECK_FALSE(e.extack().empty());  // "ipv4: Address already assigned."
        const std::string what = e.what();
        CHECK(what.find("add address " + v4.to_string() + " on link #" + std::to_string(env.index.value)) == 0);
        CHECK(what.find("File exists") != std::string::npos);
        CHECK(what.find("(kernel: \"" + e.extack() + "\")") != std::string::npos);
        CHECK(what.find("already assigned") != std::string::npos);
    }
    // replace accepts the same address.
    addr::add(env.nl, {.ifindex = env.index, .address = v4, .replace = true});
    const auto entries = addr::list(env.nl, env.index, net::family::v4);
    CHECK(std::count_if(entries.begin(), entries.end(), [&](const addr::entry& e) { return e.address == v4; }) == 1);
}

TEST_CASE("listing every link's addresses includes loopback once it is up") {
    addr_env env;
    link::set_up(env.nl, link::get_link(env.nl, "lo").index);
    const auto all = addr::list(env.nl);
    CHECK(has(all, *net::prefix::parse("127.0.0.1/8")));
}
