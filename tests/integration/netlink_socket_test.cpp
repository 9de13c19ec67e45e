// netlink::socket against the real kernel, for rtnetlink and nfnetlink alike: only replies with our
// sequence number and port id count, the kernel's sentence reaches the error, a reply longer than
// the buffer is read again whole, and a batch is answered in bulk. Each test case first moves this
// process into a fresh network namespace of its own (unshare(CLONE_NEWNET)), so the host is never
// touched; the namespace goes when its last socket closes.
#include <doctest/doctest.h>

#include <arpa/inet.h>  // before the linux/ headers, which defer to it
#include <libnftnl/common.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "base/byte_buffer.hpp"
#include "net/ip_address.hpp"
#include "netlink/attr_parser.hpp"
#include "netlink/error.hpp"
#include "netlink/message.hpp"
#include "netlink/socket.hpp"
#include "support/sandbox.hpp"

using namespace wharf;

namespace {

void enter_private_netns() {
    REQUIRE_MESSAGE(geteuid() == 0, "netlink socket tests must run as root");
    REQUIRE_MESSAGE(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): " << std::strerror(errno));
}

// Sends `bytes` with the sequence number already in them and reads nothing: the replies wait in
// the socket's queue, as a late reply to an earlier request would.
void send_raw(const netlink::socket& sock, std::span<const std::byte> bytes) {
    const sockaddr_nl kernel{.nl_family = AF_NETLINK, .nl_pad = 0, .nl_pid = 0, .nl_groups = 0};
    REQUIRE(::sendto(sock.fd(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
                     sizeof kernel) == static_cast<ssize_t>(bytes.size()));
}

void send_raw(const netlink::socket& sock, netlink::message& msg, std::uint32_t seq) {
    msg.header().nlmsg_seq = seq;
    msg.header().nlmsg_flags |= NLM_F_ACK;
    send_raw(sock, msg.bytes());
}

// The number the socket's next request will carry.
std::uint32_t upcoming_seq(netlink::socket& sock) {
    const std::uint32_t taken = sock.next_seq();
    return taken + 1 == 0 ? 1 : taken + 1;
}

netlink::message get_link(int ifindex) {
    netlink::message m(RTM_GETLINK);
    m.put_header<ifinfomsg>().ifi_index = ifindex;
    return m;
}

std::string name_of(const nlmsghdr& link) {
    return netlink::attr_table::parse(link, sizeof(ifinfomsg), IFLA_MAX).str(IFLA_IFNAME).value_or("");
}

std::size_t altnames_of(const nlmsghdr& link) {
    const auto attrs = netlink::attr_table::parse(link, sizeof(ifinfomsg), IFLA_MAX);
    std::size_t n = 0;
    if (const nlattr* list = attrs.get(IFLA_PROP_LIST))
        netlink::for_each_attr(*list, [&](const nlattr& a) { n += mnl_attr_get_type(&a) == IFLA_ALT_IFNAME; });
    return n;
}

netlink::message add_loopback_address(const char* address) {
    netlink::message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    auto& ifa = m.put_header<ifaddrmsg>();
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = 8;
    ifa.ifa_index = 1;
    m.put_address(IFA_LOCAL, *net::ip_address::parse(address));
    m.put_address(IFA_ADDRESS, *net::ip_address::parse(address));
    return m;
}

// A batch for nf_tables: BEGIN (for subsystem `res_id`), NEWTABLE inet `table` with NLM_F_ACK, END.
struct batch {
    alignas(nlmsghdr) char buf[4096];
    std::size_t used = 0;
    std::uint32_t table_seq = 0;

    batch(netlink::socket& sock, const std::string& table, std::uint16_t res_id) {
        nlmsghdr* begin = nftnl_batch_begin(buf, sock.next_seq());
        reinterpret_cast<nfgenmsg*>(mnl_nlmsg_get_payload(begin))->res_id = htons(res_id);
        used += begin->nlmsg_len;
        table_seq = sock.next_seq();
        nlmsghdr* add = nftnl_nlmsg_build_hdr(buf + used, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE | NLM_F_ACK,
                                              table_seq);
        mnl_attr_put_strz(add, NFTA_TABLE_NAME, table.c_str());
        used += MNL_ALIGN(add->nlmsg_len);
        used += nftnl_batch_end(buf + used, sock.next_seq())->nlmsg_len;
    }
    std::span<const std::byte> bytes() const { return std::as_bytes(std::span<const char>(buf, used)); }
};

}  // namespace

TEST_CASE("a late reply to an earlier request is skipped: only our sequence number counts") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    // A request for a link that does not exist, whose refusal (ENODEV) is left in the queue.
    auto stale = get_link(9999);
    send_raw(sock, stale, sock.next_seq());

    auto lo = get_link(1);
    const netlink::message reply = sock.get(lo, "get link #1");
    CHECK(reply.type() == RTM_NEWLINK);
    CHECK(name_of(reply.header()) == "lo");
    auto again = get_link(1);
    CHECK(name_of(sock.get(again, "get link #1").header()) == "lo");
}

TEST_CASE("a message with our sequence number from another port is skipped: only our port id counts") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    const int group = RTNLGRP_IPV4_IFADDR;
    REQUIRE(setsockopt(sock.fd(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) == 0);
    auto other = netlink::socket::open(NETLINK_ROUTE);
    REQUIRE(other.port_id() != sock.port_id());

    // The set-up works as meant: an address added by `other` with a number of our choosing is
    // announced to `sock` carrying that number and `other`'s port id.
    auto first = add_loopback_address("127.0.0.2");
    send_raw(other, first, 4242);
    alignas(nlmsghdr) char buf[8192];
    const ssize_t got = ::recv(sock.fd(), buf, sizeof buf, MSG_DONTWAIT);
    REQUIRE(got > 0);
    const auto* note = reinterpret_cast<const nlmsghdr*>(buf);
    REQUIRE(note->nlmsg_type == RTM_NEWADDR);
    REQUIRE(note->nlmsg_seq == 4242);
    REQUIRE(note->nlmsg_pid == other.port_id());

    // Now the announcement carries the number of sock's next request: it is not the reply.
    auto second = add_loopback_address("127.0.0.3");
    send_raw(other, second, upcoming_seq(sock));
    pollfd p{sock.fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 1000) == 1);
    auto lo = get_link(1);
    const netlink::message reply = sock.get(lo, "get link #1");
    CHECK(reply.type() == RTM_NEWLINK);
    CHECK(name_of(reply.header()) == "lo");
}

TEST_CASE("a refusal carries errno, the operation and the kernel's own sentence") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    netlink::message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    m.put_header<ifinfomsg>();
    m.put_strz(IFLA_IFNAME, "wbad0");
    {
        netlink::nested info(m, IFLA_LINKINFO);
        m.put_strz(IFLA_INFO_KIND, "wharf-no-such-kind");
    }
    try {
        sock.request(m, "create link \"wbad0\"");
        FAIL("an unknown link kind should be refused");
    } catch (const netlink::error& e) {
        CHECK(e.code_value() == EOPNOTSUPP);
        CHECK(e.operation() == "create link \"wbad0\"");
        CHECK(e.extack() == "Unknown device type");
        CHECK(std::string(e.what()) == "create link \"wbad0\": " + std::string(std::strerror(EOPNOTSUPP)) +
                                           " (kernel: \"Unknown device type\")");
    }
}

TEST_CASE("a reply longer than the receive buffer is read again, whole, in a grown buffer") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    // 330 alternative names of 100 bytes make lo's RTM_NEWLINK about 35 KiB: more than a fresh
    // socket reads at once.
    constexpr std::size_t names = 330;
    for (std::size_t first = 0; first < names; first += 60) {
        netlink::message m(RTM_NEWLINKPROP, NLM_F_CREATE | NLM_F_APPEND);
        m.put_header<ifinfomsg>().ifi_index = 1;
        netlink::nested list(m, IFLA_PROP_LIST);
        for (std::size_t i = first; i < std::min(names, first + 60); ++i)
            m.put_strz(IFLA_ALT_IFNAME, std::string(96, 'a') + std::to_string(1000 + i));
        list.close();
        sock.request(m, "add alternative names to lo");
    }

    // A fresh socket reads in 16 KiB halves: the first answer is cut, the second whole. Each
    // attempt takes a sequence number, so the numbers used count the attempts.
    auto fresh = netlink::socket::open(NETLINK_ROUTE);
    std::uint32_t before = fresh.next_seq();
    auto lo = get_link(1);
    const netlink::message reply = fresh.get(lo, "get link #1");
    CHECK(fresh.next_seq() - before == 3);
    CHECK(reply.header().nlmsg_len > 32 * 1024);
    CHECK(altnames_of(reply.header()) == names);

    // The kernel sizes a link dump's datagrams for the longest link only when asked for an
    // extension (else it drops a link that does not fit 32 KiB without a word).
    netlink::message all(RTM_GETLINK);
    all.put_header<ifinfomsg>();
    all.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
    std::vector<std::size_t> seen;
    auto dumper = netlink::socket::open(NETLINK_ROUTE);
    before = dumper.next_seq();
    dumper.dump(all, "list links", [&](const nlmsghdr& link) { seen.push_back(altnames_of(link)); });
    CHECK(dumper.next_seq() - before == 3);
    CHECK(seen == std::vector<std::size_t>{names});
}

TEST_CASE("a batch's ACKs come back in order; a batch refused as a whole throws") {
    enter_private_netns();
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string table = test::unique_name("wsk");

    const batch good(sock, table, NFNL_SUBSYS_NFTABLES);
    const auto acks = sock.send_batch(good.bytes(), "add table inet " + table);
    REQUIRE(acks.size() == 1);  // BEGIN and END ask for none
    CHECK(acks[0].seq == good.table_seq);
    CHECK(acks[0].err == 0);
    CHECK(test::run_shell("nft list tables").find(table) != std::string::npos);

    // The same command again with NLM_F_EXCL is refused, and only that command.
    batch twice(sock, table, NFNL_SUBSYS_NFTABLES);
    reinterpret_cast<nlmsghdr*>(twice.buf + NLMSG_ALIGN(reinterpret_cast<nlmsghdr*>(twice.buf)->nlmsg_len))
        ->nlmsg_flags |= NLM_F_EXCL;
    const auto refused = sock.send_batch(twice.bytes(), "create table inet " + table);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].err == EEXIST);

    // BEGIN naming a subsystem that does not exist: the kernel refuses the batch at BEGIN.
    const batch bad(sock, table + "x", 0x7f);
    try {
        sock.send_batch(bad.bytes(), "add table inet " + table + "x");
        FAIL("a batch for no subsystem should be refused");
    } catch (const netlink::error& e) {
        CHECK(e.code_value() == EINVAL);
        CHECK(e.operation() == "add table inet " + table + "x");
    }
    CHECK(test::run_shell("nft list tables").find(table + "x") == std::string::npos);
}
