// netlink::decode_error and decode_done on answers built here byte by byte as the kernel lays them
// out: ACK, refusal with and without the echoed request, the extended-ACK sentence, a cut-off
// datagram. No kernel, no root.
#include <doctest/doctest.h>
#include <linux/netlink.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "netlink/ack.hpp"
#include "netlink/message.hpp"

using namespace wharf;

namespace {

// An NLMSG_ERROR for a request of `echo_len` bytes (header included); with `capped` only its header
// is quoted, else `echo_len` bytes are. `sentence` becomes NLMSGERR_ATTR_MSG when not empty.
netlink::message error_message(int err, std::uint32_t seq, bool capped, std::uint32_t echo_len,
                               const std::string& sentence) {
    netlink::message m(NLMSG_ERROR, 0, 4096);
    nlmsghdr& h = m.header();
    h.nlmsg_flags = capped ? NLM_F_CAPPED : 0;
    h.nlmsg_seq = seq;
    auto& e = m.put_header<nlmsgerr>();
    e.error = err;
    e.msg.nlmsg_len = echo_len;
    e.msg.nlmsg_seq = seq;
    if (!capped && echo_len > sizeof(nlmsghdr)) {
        std::vector<char> echoed(echo_len - sizeof(nlmsghdr), 'x');
        m.put_raw(echoed.data(), echoed.size());
    }
    if (!sentence.empty()) {
        m.header().nlmsg_flags |= NLM_F_ACK_TLVS;
        m.put_u32(NLMSGERR_ATTR_OFFS, 20);  // another attribute first: the sentence is found by type
        m.put_strz(NLMSGERR_ATTR_MSG, sentence);
    }
    return m;
}

}  // namespace

TEST_CASE("an ACK decodes as errno 0 with its sequence number") {
    auto m = error_message(0, 77, true, sizeof(nlmsghdr), "");
    const auto a = netlink::decode_error(m.header(), m.header().nlmsg_len);
    CHECK(a.seq == 77);
    CHECK(a.err == 0);
    CHECK(a.extack.empty());
}

TEST_CASE("a refusal gives a positive errno and the kernel's sentence, after a capped or a full echo") {
    SUBCASE("capped, -errno as rtnetlink sends it") {
        auto m = error_message(-EOPNOTSUPP, 5, true, 200, "Unknown device type");
        const auto a = netlink::decode_error(m.header(), m.header().nlmsg_len);
        CHECK(a.err == EOPNOTSUPP);
        CHECK(a.extack == "Unknown device type");
    }
    SUBCASE("the whole request echoed, +errno as some families send it") {
        auto m = error_message(ENOENT, 6, false, 200, "No such chain");
        const auto a = netlink::decode_error(m.header(), m.header().nlmsg_len);
        CHECK(a.err == ENOENT);
        CHECK(a.extack == "No such chain");
    }
    SUBCASE("no sentence") {
        auto m = error_message(-EEXIST, 7, true, 64, "");
        const auto a = netlink::decode_error(m.header(), m.header().nlmsg_len);
        CHECK(a.err == EEXIST);
        CHECK(a.extack.empty());
    }
}

TEST_CASE("a cut-off answer keeps its errno; one too short to hold it is EBADMSG") {
    auto m = error_message(-EPERM, 8, false, 1000, "Operation not permitted here");
    const std::size_t cut = NLMSG_HDRLEN + sizeof(nlmsgerr) + 10;
    const auto a = netlink::decode_error(m.header(), cut);
    CHECK(a.err == EPERM);
    CHECK(a.extack.empty());  // the attributes did not arrive
    CHECK(a.seq == 8);

    const auto b = netlink::decode_error(m.header(), NLMSG_HDRLEN + 4);
    CHECK(b.err == EBADMSG);
}

TEST_CASE("NLMSG_DONE carries the dump's status and sentence") {
    netlink::message ok(NLMSG_DONE, 0, 256);
    const int zero = 0;
    ok.put_raw(&zero, sizeof zero);
    CHECK(netlink::decode_done(ok.header()).err == 0);

    netlink::message failed(NLMSG_DONE, 0, 256);
    const int status = -EMSGSIZE;
    failed.put_raw(&status, sizeof status);
    failed.header().nlmsg_flags |= NLM_F_ACK_TLVS;
    failed.put_strz(NLMSGERR_ATTR_MSG, "dump too big");
    const auto a = netlink::decode_done(failed.header());
    CHECK(a.err == EMSGSIZE);
    CHECK(a.extack == "dump too big");
}
