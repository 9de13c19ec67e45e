// nft::transaction and the reads against the real kernel. Each test case first moves this process
// into a fresh network namespace of its own (unshare(CLONE_NEWNET)), so the host's ruleset is never
// touched, and names its tables after the PID. `nft -j list ruleset`, run as a child that inherits
// the namespace, checks what we did independently of our own reads.
#include <doctest/doctest.h>

#include <libnftnl/common.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <unistd.h>

#include <linux/netfilter/nf_nat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "net/ip_address.hpp"
#include "net/prefix.hpp"
#include "netlink/socket.hpp"
#include "nft/error.hpp"
#include "nft/list.hpp"
#include "nft/rule.hpp"
#include "nft/transaction.hpp"
#include "nft/value.hpp"
#include "support/sandbox.hpp"

using namespace wharf;
using nft::family;
using json = nlohmann::json;

namespace {

// Root is required: fail loudly rather than skip.
void enter_private_netns() {
    REQUIRE_MESSAGE(geteuid() == 0, "nft integration tests must run as root");
    REQUIRE_MESSAGE(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): " << std::strerror(errno));
}

std::string table_name() { return test::unique_name("wnft"); }

// The ruleset as nft sees it: the array under "nftables".
json observed_ruleset() {
    int rc = -1;
    std::string out = test::run_shell("nft -j list ruleset 2>&1", &rc);
    REQUIRE_MESSAGE(rc == 0, "nft -j list ruleset: " << out);
    return json::parse(out).at("nftables");
}

// The objects of one kind ("table", "chain", "rule", "set", "map") that belong to `table`.
std::vector<json> observed(const json& ruleset, const std::string& kind, const std::string& table) {
    std::vector<json> found;
    for (const json& item : ruleset) {
        if (!item.contains(kind)) continue;
        const json& obj = item.at(kind);
        std::string owner = kind == "table" ? obj.value("name", "") : obj.value("table", "");
        if (owner == table) found.push_back(obj);
    }
    return found;
}

net::ip_address ip(const char* text) { return *net::ip_address::parse(text); }
net::prefix pfx(const char* text) { return *net::prefix::parse(text); }

nft::set ipv4_set(const std::string& table, const std::string& name) {
    return nft::set{.fam = family::inet, .table = table, .name = name, .key_type = nft::datatype::ipv4_addr, .key_len = 4};
}

nft::chain base(const std::string& table, const std::string& name, const char* type, nft::hook h, int prio,
                std::optional<nft::policy> pol = {}) {
    return nft::chain{.fam = family::inet, .table = table, .name = name,
                      .base = nft::base_chain{.type = type, .hook = h, .priority = prio, .policy = pol}};
}

std::set<std::string> comments_of(const std::vector<nft::element>& elements) {
    std::set<std::string> out;
    for (const auto& e : elements) out.insert(e.comment);
    return out;
}

}  // namespace

TEST_CASE("one transaction creates a table, chains, rules, a set, a verdict map and elements") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();

    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(base(t, "forward", "filter", nft::hook::forward, 0, nft::policy::accept));
    tx.add(nft::chain{.fam = family::inet, .table = t, .name = "ports"});
    tx.add(ipv4_set(t, "allowed"));
    tx.add(nft::set{.fam = family::inet, .table = t, .name = "dispatch", .key_type = nft::datatype::inet_service,
                    .key_len = 2, .flags = NFT_SET_MAP, .data_type = NFT_DATA_VERDICT});
    const std::vector<nft::element> allowed{{.key = nft::addr(ip("10.0.0.1"))}, {.key = nft::addr(ip("10.0.0.2"))}};
    tx.add_elements({family::inet, t, "allowed"}, allowed);
    const std::vector<nft::element> dispatch{{.key = nft::port(80), .verdict = nft::verdict::jump("ports")},
                                             {.key = nft::port(443), .verdict = nft::verdict::accept()}};
    tx.add_elements({family::inet, t, "dispatch"}, dispatch);

    nft::rule established{family::inet, t, "forward"};
    established.match_ct_state(nft::ct_state::established | nft::ct_state::related).counter().accept();
    tx.add(established);
    nft::rule from_bridge{family::inet, t, "forward"};
    from_bridge.match_iifname("wbr0").match_saddr(pfx("10.88.0.0/16")).match_in_set(nft::field::ip_saddr, "allowed")
        .accept().comment("owner:one");
    tx.add(from_bridge);
    nft::rule by_port{family::inet, t, "forward"};
    by_port.match_l4proto(IPPROTO_TCP).load(nft::field::th_dport, nft::reg1).lookup("dispatch", nft::reg1, NFT_REG_VERDICT);
    tx.add(by_port);
    nft::rule in_ports{family::inet, t, "ports"};
    in_ports.match_ether_saddr(*net::mac::parse("02:00:00:00:00:01")).match_mark(7).drop();
    tx.add(in_ports);
    nft::rule ret{family::inet, t, "ports"};
    ret.match_daddr(pfx("fd00::/64")).ret();
    tx.add(ret);

    CHECK(tx.size() == 12);
    CHECK(tx.commands().front() == "add table inet " + t);
    CHECK(tx.commands()[1] == "add chain inet " + t + " forward");
    CHECK(tx.commands()[4] == "add map inet " + t + " dispatch");
    CHECK(tx.commands()[7] == "add rule inet " + t + " forward");
    tx.commit();
    CHECK(tx.empty());

    // Our reads.
    auto table = nft::find_table(sock, family::inet, t);
    REQUIRE(table);
    CHECK(table->name == t);
    CHECK(table->fam == family::inet);
    CHECK_FALSE(nft::find_table(sock, family::ip, t));  // same name, other family
    auto tables = nft::list_tables(sock);
    CHECK(std::count_if(tables.begin(), tables.end(), [&](const auto& x) { return x.name == t; }) == 1);

    auto chains = nft::list_chains(sock, family::inet, t);
    REQUIRE(chains.size() == 2);
    auto forward = std::find_if(chains.begin(), chains.end(), [](const auto& c) { return c.name == "forward"; });
    REQUIRE(forward != chains.end());
    REQUIRE(forward->base);
    CHECK(forward->base->hook == nft::hook::forward);
    CHECK(forward->base->type == "filter");
    CHECK(forward->base->priority == 0);
    CHECK(forward->base->policy == nft::policy::accept);
    auto ports = std::find_if(chains.begin(), chains.end(), [](const auto& c) { return c.name == "ports"; });
    REQUIRE(ports != chains.end());
    CHECK_FALSE(ports->base);

    auto rules = nft::list_rules(sock, family::inet, t, "forward");
    REQUIRE(rules.size() == 3);
    CHECK(rules[0].comment.empty());
    CHECK(rules[1].comment == "owner:one");
    CHECK(rules[1].handle != 0);
    CHECK(nft::list_rules(sock, family::inet, t).size() == 5);

    auto sets = nft::list_sets(sock, family::inet, t);
    REQUIRE(sets.size() == 2);
    auto elements = nft::list_elements(sock, {family::inet, t, "allowed"});
    REQUIRE(elements.size() == 2);
    std::set<nft::bytes> keys{elements[0].key, elements[1].key};
    CHECK(keys == std::set<nft::bytes>{nft::addr(ip("10.0.0.1")), nft::addr(ip("10.0.0.2"))});
    auto verdicts = nft::list_elements(sock, {family::inet, t, "dispatch"});
    REQUIRE(verdicts.size() == 2);
    for (const auto& e : verdicts) {
        REQUIRE(e.verdict);
        if (e.key == nft::port(80)) CHECK(*e.verdict == nft::verdict::jump("ports"));
        else CHECK(*e.verdict == nft::verdict::accept());
    }

    // The independent observer.
    json rs = observed_ruleset();
    CHECK(observed(rs, "table", t).size() == 1);
    CHECK(observed(rs, "chain", t).size() == 2);
    CHECK(observed(rs, "rule", t).size() == 5);
    auto sets_seen = observed(rs, "set", t);
    REQUIRE(sets_seen.size() == 1);
    CHECK(sets_seen[0].at("type") == "ipv4_addr");
    CHECK(sets_seen[0].at("elem").size() == 2);
    auto maps_seen = observed(rs, "map", t);
    REQUIRE(maps_seen.size() == 1);
    CHECK(maps_seen[0].at("map") == "verdict");
    std::string listing = test::run_shell("nft list table inet " + t);
    INFO(listing);
    CHECK(listing.find("iifname \"wbr0\" ip saddr 10.88.0.0/16 ip saddr @allowed accept comment \"owner:one\"") !=
          std::string::npos);
    CHECK(listing.find("ct state established,related counter") != std::string::npos);
    CHECK(listing.find("tcp dport vmap @dispatch") != std::string::npos);
    CHECK(listing.find("ether saddr 02:00:00:00:00:01 meta mark 0x00000007 drop") != std::string::npos);
    CHECK(listing.find("ip6 daddr fd00::/64 return") != std::string::npos);
}

TEST_CASE("a batch whose last command fails leaves nothing applied and names that command") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();

    SUBCASE("a rule in a chain that does not exist") {
        nft::transaction tx{sock};
        tx.add(nft::table{family::inet, t});
        tx.add(base(t, "input", "filter", nft::hook::input, 0));
        tx.add(nft::rule{family::inet, t, "input"}.match_l4proto(IPPROTO_UDP).accept());
        tx.add(ipv4_set(t, "s"));
        tx.add(nft::rule{family::inet, t, "missing"}.drop());
        try {
            tx.commit();
            FAIL("commit should have failed");
        } catch (const nft::error& e) {
            CHECK(e.code_value() == ENOENT);
            REQUIRE(e.failures().size() == 1);
            CHECK(e.failures()[0].command == "add rule inet " + t + " missing");
            CHECK(e.failures()[0].err == ENOENT);
            CHECK(e.failures()[0].seq != 0);
            CHECK(std::string(e.what()).find("add rule inet " + t + " missing") != std::string::npos);
            CHECK(std::string(e.what()).find(std::strerror(ENOENT)) != std::string::npos);
        }
        CHECK(tx.empty());
    }
    SUBCASE("an element for a set that does not exist") {
        nft::transaction tx{sock};
        tx.add(nft::table{family::inet, t});
        tx.add(ipv4_set(t, "present"));
        const std::vector<nft::element> one{{.key = nft::addr(ip("192.0.2.1"))}};
        tx.add_elements({family::inet, t, "present"}, one);
        tx.add_elements({family::inet, t, "absent"}, one);
        try {
            tx.commit();
            FAIL("commit should have failed");
        } catch (const nft::error& e) {
            CHECK(e.code_value() == ENOENT);
            REQUIRE(e.failures().size() == 1);
            CHECK(e.failures()[0].command == "add element inet " + t + " absent");
        }
    }

    CHECK_FALSE(nft::find_table(sock, family::inet, t));
    CHECK(observed(observed_ruleset(), "table", t).empty());

    // The socket and the same transaction type still work afterwards.
    nft::transaction again{sock};
    again.add(nft::table{family::inet, t});
    again.commit();
    CHECK(nft::find_table(sock, family::inet, t));
}

TEST_CASE("several failing commands are all reported") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(nft::rule{family::inet, t, "nope1"}.accept());
    tx.add(nft::rule{family::inet, t, "nope2"}.accept());
    try {
        tx.commit();
        FAIL("commit should have failed");
    } catch (const nft::error& e) {
        REQUIRE(e.failures().size() == 2);
        CHECK(e.failures()[0].command == "add rule inet " + t + " nope1");
        CHECK(e.failures()[1].command == "add rule inet " + t + " nope2");
        CHECK(std::string(e.what()).find("nope2") != std::string::npos);
    }
    CHECK_FALSE(nft::find_table(sock, family::inet, t));
}

TEST_CASE("deleting a missing table gives ENOENT") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.remove(nft::table{family::inet, t});
    try {
        tx.commit();
        FAIL("commit should have failed");
    } catch (const nft::error& e) {
        CHECK(e.code_value() == ENOENT);
        REQUIRE(e.failures().size() == 1);
        CHECK(e.failures()[0].command == "delete table inet " + t);
    }

    // And an existing one goes, with everything in it.
    tx.add(nft::table{family::inet, t});
    tx.add(nft::chain{.fam = family::inet, .table = t, .name = "c"});
    tx.add(nft::rule{family::inet, t, "c"}.accept());
    tx.commit();
    tx.remove(nft::table{family::inet, t});
    tx.commit();
    CHECK_FALSE(nft::find_table(sock, family::inet, t));
    CHECK(nft::list_chains(sock, family::inet, t).empty());
}

TEST_CASE("element userdata round-trips, and elements can be deleted and flushed") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(ipv4_set(t, "owned"));
    const std::vector<nft::element> elements{
        {.key = nft::addr(ip("10.1.0.1")), .comment = "wharf:abc123"},
        {.key = nft::addr(ip("10.1.0.2")), .comment = "wharf:def456"},
        {.key = nft::addr(ip("10.1.0.3"))},
    };
    tx.add_elements({family::inet, t, "owned"}, elements);
    tx.commit();

    auto read = nft::list_elements(sock, {family::inet, t, "owned"});
    REQUIRE(read.size() == 3);
    for (const auto& e : read) {
        if (e.key == nft::addr(ip("10.1.0.1"))) CHECK(e.comment == "wharf:abc123");
        if (e.key == nft::addr(ip("10.1.0.2"))) CHECK(e.comment == "wharf:def456");
        if (e.key == nft::addr(ip("10.1.0.3"))) CHECK(e.comment.empty());
    }
    auto seen = observed(observed_ruleset(), "set", t);
    REQUIRE(seen.size() == 1);
    std::set<std::string> observed_comments;
    for (const json& el : seen[0].at("elem"))
        if (el.is_object()) observed_comments.insert(el.at("elem").value("comment", ""));
    CHECK(observed_comments == std::set<std::string>{"wharf:abc123", "wharf:def456"});

    const std::vector<nft::element> first{{.key = nft::addr(ip("10.1.0.1"))}};
    tx.remove_elements({family::inet, t, "owned"}, first);
    tx.commit();
    CHECK(comments_of(nft::list_elements(sock, {family::inet, t, "owned"})) == std::set<std::string>{"wharf:def456", ""});

    tx.remove_elements({family::inet, t, "owned"}, first);  // already gone
    CHECK_THROWS_AS(tx.commit(), nft::error);

    tx.flush(nft::set_ref{family::inet, t, "owned"});
    tx.commit();
    CHECK(nft::list_elements(sock, {family::inet, t, "owned"}).empty());

    tx.remove(nft::set_ref{family::inet, t, "owned"});
    tx.commit();
    CHECK(nft::list_sets(sock, family::inet, t).empty());
    try {
        nft::list_elements(sock, {family::inet, t, "owned"});
        FAIL("listing a missing set should fail");
    } catch (const nft::error& e) {
        CHECK(e.code_value() == ENOENT);
    }
}

TEST_CASE("rule userdata round-trips; a rule found by its comment can be deleted by handle") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.add(nft::table{family::ip, t});
    tx.add(nft::chain{.fam = family::ip, .table = t, .name = "c"});
    tx.add(nft::rule{family::ip, t, "c"}.match_saddr(pfx("10.2.0.0/24")).accept().comment("wharf:container-a"));
    tx.add(nft::rule{family::ip, t, "c"}.match_saddr(pfx("10.2.1.0/24")).accept().comment("wharf:container-b"));
    tx.insert(nft::rule{family::ip, t, "c"}.counter());
    tx.commit();

    auto rules = nft::list_rules(sock, family::ip, t, "c");
    REQUIRE(rules.size() == 3);
    CHECK(rules[0].comment.empty());  // inserted first
    CHECK(rules[1].comment == "wharf:container-a");
    CHECK(rules[2].comment == "wharf:container-b");
    std::vector<std::string> observed_comments;
    for (const json& r : observed(observed_ruleset(), "rule", t)) observed_comments.push_back(r.value("comment", ""));
    CHECK(observed_comments == std::vector<std::string>{"", "wharf:container-a", "wharf:container-b"});

    for (const auto& r : rules)
        if (r.comment == "wharf:container-a") tx.remove(nft::rule_ref{r.fam, r.table, r.chain, r.handle});
    REQUIRE(tx.size() == 1);
    CHECK(tx.commands()[0] == "delete rule ip " + t + " c handle " + std::to_string(rules[1].handle));
    tx.commit();
    rules = nft::list_rules(sock, family::ip, t, "c");
    REQUIRE(rules.size() == 2);
    CHECK(rules[1].comment == "wharf:container-b");

    tx.flush(nft::chain{.fam = family::ip, .table = t, .name = "c"});
    tx.commit();
    CHECK(nft::list_rules(sock, family::ip, t, "c").empty());
    tx.remove(nft::chain{.fam = family::ip, .table = t, .name = "c"});
    tx.commit();
    CHECK(nft::list_chains(sock, family::ip, t).empty());
}

TEST_CASE("a NAT table: masquerade, and DNAT through a map from ip daddr . th dport to ip addr . port") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    const std::uint32_t ip_port = nft::datatype::concat({nft::datatype::ipv4_addr, nft::datatype::inet_service});

    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(base(t, "prerouting", "nat", nft::hook::prerouting, -100));
    tx.add(base(t, "postrouting", "nat", nft::hook::postrouting, 100));
    tx.add(nft::set{.fam = family::inet, .table = t, .name = "dnat_tcp", .key_type = ip_port, .key_len = 8,
                    .flags = NFT_SET_MAP, .data_type = ip_port, .data_len = 8});
    const std::vector<nft::element> mappings{
        {.key = nft::concat({nft::addr(ip("192.0.2.10")), nft::port(8080)}),
         .data = nft::concat({nft::addr(ip("10.88.0.2")), nft::port(80)}),
         .comment = "wharf:ctr1"},
        {.key = nft::concat({nft::addr(ip("192.0.2.10")), nft::port(8443)}),
         .data = nft::concat({nft::addr(ip("10.88.0.3")), nft::port(443)}),
         .comment = "wharf:ctr2"},
    };
    tx.add_elements({family::inet, t, "dnat_tcp"}, mappings);
    nft::rule dnat{family::inet, t, "prerouting"};
    dnat.match_l4proto(IPPROTO_TCP)
        .load(nft::field::ip_daddr, nft::reg32(0))
        .load(nft::field::th_dport, nft::reg32(1))
        .lookup("dnat_tcp", nft::reg32(0), nft::reg32(0))
        .dnat(net::family::v4, nft::reg32(0), nft::reg32(1))
        .comment("wharf:portmap");
    tx.add(dnat);
    nft::rule masq{family::inet, t, "postrouting"};
    masq.match_saddr(pfx("10.88.0.0/16")).match_daddr(pfx("10.88.0.0/16"), nft::cmp_op::neq).counter()
        .masquerade(NF_NAT_RANGE_PERSISTENT).comment("wharf:masq");
    tx.add(masq);
    nft::rule snat{family::inet, t, "postrouting"};
    snat.match_oifname("wout0").snat_to(ip("198.51.100.1"), 40000);
    tx.add(snat);
    tx.commit();

    auto chains = nft::list_chains(sock, family::inet, t);
    REQUIRE(chains.size() == 2);
    for (const auto& c : chains) {
        REQUIRE(c.base);
        CHECK(c.base->type == "nat");
        CHECK(c.base->priority == (c.name == "prerouting" ? -100 : 100));
    }
    auto read = nft::list_elements(sock, {family::inet, t, "dnat_tcp"});
    REQUIRE(read.size() == 2);
    for (const auto& e : read) {
        if (e.comment == "wharf:ctr1") CHECK(e.data == mappings[0].data);
        else CHECK(e.data == mappings[1].data);
    }
    CHECK(nft::list_rules(sock, family::inet, t, "prerouting").at(0).comment == "wharf:portmap");

    json rs = observed_ruleset();
    auto maps = observed(rs, "map", t);
    REQUIRE(maps.size() == 1);
    CHECK(maps[0].at("type") == json::array({"ipv4_addr", "inet_service"}));
    CHECK(maps[0].at("elem").size() == 2);
    std::string listing = test::run_shell("nft list table inet " + t);
    INFO(listing);
    CHECK(listing.find("dnat ip to ip daddr . tcp dport map @dnat_tcp") != std::string::npos);
    CHECK(listing.find("masquerade persistent") != std::string::npos);
    CHECK(listing.find("192.0.2.10 . 8080 comment \"wharf:ctr1\" : 10.88.0.2 . 80") != std::string::npos);
    CHECK(listing.find("snat ip to 198.51.100.1:40000") != std::string::npos);
}

TEST_CASE("5,000 elements commit in one transaction, and fail together") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    std::vector<nft::element> many;
    for (std::uint32_t i = 0; i < 5000; ++i)
        many.push_back({.key = nft::addr(net::ip_address::v4(0x0a000000u + (i << 8) + 1)), .comment = "e" + std::to_string(i)});

    SUBCASE("commits") {
        nft::transaction tx{sock};
        tx.add(nft::table{family::inet, t});
        tx.add(ipv4_set(t, "big"));
        tx.add_elements({family::inet, t, "big"}, many);
        CHECK(tx.size() > 3);  // split over several commands
        tx.commit();
        auto read = nft::list_elements(sock, {family::inet, t, "big"});
        CHECK(read.size() == 5000);
        auto seen = observed(observed_ruleset(), "set", t);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].at("elem").size() == 5000);
    }
    SUBCASE("fails as a whole when the last command fails") {
        nft::transaction tx{sock};
        tx.add(nft::table{family::inet, t});
        tx.add(ipv4_set(t, "big"));
        tx.add_elements({family::inet, t, "big"}, many);
        tx.add(nft::rule{family::inet, t, "no_such_chain"}.accept());
        try {
            tx.commit();
            FAIL("commit should have failed");
        } catch (const nft::error& e) {
            REQUIRE(e.failures().size() == 1);
            CHECK(e.failures()[0].command == "add rule inet " + t + " no_such_chain");
        }
        CHECK_FALSE(nft::find_table(sock, family::inet, t));
        CHECK(observed(observed_ruleset(), "table", t).empty());
    }
}

TEST_CASE("a socket opened elsewhere can be adopted; anything else is refused") {
    enter_private_netns();
    int raw = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    REQUIRE(raw >= 0);
    auto sock = netlink::socket::adopt(unique_fd(raw), NETLINK_NETFILTER);
    CHECK(sock.port_id() != 0);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.add(nft::table{family::ip6, t});
    tx.commit();
    CHECK(nft::find_table(sock, family::ip6, t));

    int route = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    REQUIRE(route >= 0);
    try {
        netlink::socket::adopt(unique_fd(route), NETLINK_NETFILTER);
        FAIL("adopting a NETLINK_ROUTE socket should fail");
    } catch (const os_error& e) {
        CHECK(e.code_value() == EPROTOTYPE);
    }
}

TEST_CASE("the ruleset generation moves with a commit that changes something, not with reads") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(ipv4_set(t, "s"));
    tx.commit();

    const std::uint32_t gen = nft::generation(sock);
    CHECK(nft::list_elements(sock, {family::inet, t, "s"}).empty());
    CHECK(nft::generation(sock) == gen);  // reads do not move it
    nft::element one{.key = nft::addr(ip("10.9.0.1"))};
    tx.add_elements({family::inet, t, "s"}, std::span<const nft::element>(&one, 1));
    tx.commit();
    const std::uint32_t after = nft::generation(sock);
    CHECK(after != gen);
    tx.add(nft::table{family::inet, t});  // adds what exists: nothing changes
    tx.commit();
    CHECK(nft::generation(sock) == after);
}

TEST_CASE("more failing commands than one bulk read holds are all named, in order") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    constexpr int failing = 100;
    for (int i = 0; i < failing; ++i) tx.add(nft::rule{family::inet, t, "nope" + std::to_string(i)}.accept());
    try {
        tx.commit();
        FAIL("commit should have failed");
    } catch (const nft::error& e) {
        REQUIRE(e.failures().size() == failing);
        for (int i = 0; i < failing; ++i) {
            CHECK(e.failures()[i].command == "add rule inet " + t + " nope" + std::to_string(i));
            CHECK(e.failures()[i].err == ENOENT);
        }
    }
    CHECK_FALSE(nft::find_table(sock, family::inet, t));
}

TEST_CASE("a late reply left on the socket does not pass for a command's ACK") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    // A request for a table that does not exist, sent by hand and never read: its ENOENT waits.
    alignas(nlmsghdr) char buf[512];
    nlmsghdr* get = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, sock.next_seq());
    mnl_attr_put_strz(get, NFTA_TABLE_NAME, (t + "missing").c_str());
    const sockaddr_nl kernel{.nl_family = AF_NETLINK, .nl_pad = 0, .nl_pid = 0, .nl_groups = 0};
    REQUIRE(::sendto(sock.fd(), buf, get->nlmsg_len, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) ==
            static_cast<ssize_t>(get->nlmsg_len));

    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(ipv4_set(t, "s"));
    tx.commit();
    CHECK(nft::find_table(sock, family::inet, t));
    CHECK(nft::list_sets(sock, family::inet, t).size() == 1);
}

TEST_CASE("a dump interrupted by a concurrent commit is read again, and returns a whole snapshot") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    auto other = netlink::socket::open(NETLINK_NETFILTER);
    const std::string t = table_name();
    // Enough rules that their dump takes many datagrams, so a commit can land between two of them.
    constexpr std::size_t rules = 3000;
    nft::transaction tx{sock};
    tx.add(nft::table{family::inet, t});
    tx.add(nft::chain{.fam = family::inet, .table = t, .name = "c"});
    for (std::size_t i = 0; i < rules; ++i)
        tx.add(nft::rule{family::inet, t, "c"}.match_mark(static_cast<std::uint32_t>(i)).accept().comment(
            "r" + std::to_string(i)));
    tx.commit();

    // Each attempt takes one sequence number, so the numbers a dump used count its attempts.
    bool retried = false;
    for (int experiment = 0; experiment < 40 && !retried; ++experiment) {
        std::thread committer([&] {
            // Once the dump's first part is queued, commit something unrelated (a new table).
            pollfd p{sock.fd(), POLLIN, 0};
            if (::poll(&p, 1, 2000) != 1) return;
            nft::transaction change{other};
            change.add(nft::table{family::inet, t + "x" + std::to_string(experiment)});
            change.commit();
        });
        const std::uint32_t before = sock.next_seq();
        const auto read = nft::list_rules(sock, family::inet, t, "c");
        const std::uint32_t attempts = sock.next_seq() - before - 1;
        committer.join();
        CHECK(read.size() == rules);
        if (attempts > 1) retried = true;
    }
    CHECK_MESSAGE(retried, "no dump was interrupted in 40 tries");
}
