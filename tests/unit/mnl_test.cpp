// libmnl's API on hand-built buffers. In the static build this runs against common/mnl (our own
// implementation); in the sanitizer build against the real libmnl.so, so both must behave the same.
#include <doctest/doctest.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace {

// A zeroed, aligned scratch buffer for building messages.
struct buffer {
    alignas(8) unsigned char bytes[4096] = {};
    void* data() { return bytes; }
};

nlmsghdr* control_message(void* at, uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(at);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_pid = pid;
    return nlh;
}

// Builds an NLMSG_ERROR at `at` carrying `error` (0 = ACK).
nlmsghdr* error_message(void* at, int error, uint32_t seq, uint32_t pid) {
    nlmsghdr* nlh = control_message(at, NLMSG_ERROR, 0, seq, pid);
    auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsgerr)));
    err->error = error;
    err->msg.nlmsg_seq = seq;
    return nlh;
}

char* end_of(nlmsghdr* nlh) { return reinterpret_cast<char*>(nlh) + MNL_ALIGN(nlh->nlmsg_len); }

struct seen {
    std::vector<uint16_t> types;
    int reply = MNL_CB_OK;
};

int record(const nlmsghdr* nlh, void* data) {
    auto* s = static_cast<seen*>(data);
    s->types.push_back(nlh->nlmsg_type);
    return s->reply;
}

struct attr_table {
    const nlattr* by_type[16] = {};
    int calls = 0;
    int stop_after = -1;
};

int collect(const nlattr* attr, void* data) {
    auto* t = static_cast<attr_table*>(data);
    ++t->calls;
    if (mnl_attr_type_valid(attr, 15) < 0) return MNL_CB_ERROR;
    t->by_type[mnl_attr_get_type(attr)] = attr;
    if (t->stop_after == t->calls) return MNL_CB_STOP;
    return MNL_CB_OK;
}

}  // namespace

TEST_CASE("nlmsg header, extra header and payload accessors") {
    buffer buf;
    std::memset(buf.bytes, 0xAA, sizeof buf.bytes);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    CHECK(nlh->nlmsg_len == MNL_NLMSG_HDRLEN);
    CHECK(nlh->nlmsg_type == 0);
    CHECK(nlh->nlmsg_flags == 0);
    CHECK(nlh->nlmsg_seq == 0);
    CHECK(nlh->nlmsg_pid == 0);
    CHECK(mnl_nlmsg_size(10) == 10 + MNL_NLMSG_HDRLEN);

    auto* extra = static_cast<unsigned char*>(mnl_nlmsg_put_extra_header(nlh, 5));  // padded to 8, zeroed
    CHECK(extra == buf.bytes + MNL_NLMSG_HDRLEN);
    CHECK(nlh->nlmsg_len == MNL_NLMSG_HDRLEN + 8);
    for (int i = 0; i < 8; ++i) CHECK(extra[i] == 0);
    CHECK(mnl_nlmsg_get_payload(nlh) == extra);
    CHECK(mnl_nlmsg_get_payload_len(nlh) == 8);
    CHECK(mnl_nlmsg_get_payload_offset(nlh, 5) == extra + 8);
    CHECK(mnl_nlmsg_get_payload_tail(nlh) == buf.bytes + MNL_NLMSG_HDRLEN + 8);
}

TEST_CASE("attributes: put each width, padding, and parse them back") {
    buffer buf;
    std::memset(buf.bytes, 0xAA, sizeof buf.bytes);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg));

    mnl_attr_put_u8(nlh, 1, 0x12);
    mnl_attr_put_u16(nlh, 2, 0x3456);
    mnl_attr_put_u32(nlh, 3, 0x789abcdeu);
    mnl_attr_put_u64(nlh, 4, 0x0102030405060708ull);
    mnl_attr_put_str(nlh, 5, "eth0");
    mnl_attr_put_strz(nlh, 6, "wharf");
    const unsigned char mac[6] = {2, 0, 0, 0, 0, 1};
    mnl_attr_put(nlh, 7, sizeof mac, mac);
    mnl_attr_put(nlh, 8, 0, nullptr);

    // Each attribute: 4-byte header + payload, rounded to 4.
    CHECK(nlh->nlmsg_len == MNL_NLMSG_HDRLEN + 4 + 8 + 8 + 8 + 12 + 8 + 12 + 12 + 4);

    attr_table t;
    CHECK(mnl_attr_parse(nlh, sizeof(rtgenmsg), collect, &t) == MNL_CB_OK);
    CHECK(t.calls == 8);
    REQUIRE(t.by_type[8]);
    CHECK(mnl_attr_get_u8(t.by_type[1]) == 0x12);
    CHECK(mnl_attr_get_len(t.by_type[1]) == 5);  // the length excludes the padding
    CHECK(mnl_attr_get_payload_len(t.by_type[1]) == 1);
    // (The padding's content is not pinned: libmnl 1.0.4 leaves it as it was; ours zeroes it.)
    CHECK(mnl_attr_get_u16(t.by_type[2]) == 0x3456);
    CHECK(mnl_attr_get_u32(t.by_type[3]) == 0x789abcdeu);
    CHECK(mnl_attr_get_u64(t.by_type[4]) == 0x0102030405060708ull);
    CHECK(mnl_attr_get_payload_len(t.by_type[5]) == 4);  // put_str: no terminator
    CHECK(std::string(mnl_attr_get_str(t.by_type[5]), 4) == "eth0");
    CHECK(mnl_attr_get_payload_len(t.by_type[6]) == 6);  // put_strz: with terminator
    CHECK(std::string(mnl_attr_get_str(t.by_type[6])) == "wharf");
    CHECK(std::memcmp(mnl_attr_get_payload(t.by_type[7]), mac, 6) == 0);
    CHECK(mnl_attr_get_payload_len(t.by_type[8]) == 0);

    // The same walk by hand, as mnl_attr_for_each does it (the macro itself is C only).
    int count = 0;
    auto* tail = static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh));
    for (auto* attr = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(rtgenmsg)));
         mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<char*>(attr))); attr = mnl_attr_next(attr))
        ++count;
    CHECK(count == 8);
}

TEST_CASE("attribute parsing stops on MNL_CB_STOP and MNL_CB_ERROR and honours the type limit") {
    buffer buf;
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    for (uint16_t type = 1; type <= 4; ++type) mnl_attr_put_u32(nlh, type, type);

    attr_table stop;
    stop.stop_after = 2;
    CHECK(mnl_attr_parse(nlh, 0, collect, &stop) == MNL_CB_STOP);
    CHECK(stop.calls == 2);

    mnl_attr_put_u32(nlh, 20, 0);  // beyond collect()'s maximum of 15
    attr_table bad;
    errno = 0;
    CHECK(mnl_attr_parse(nlh, 0, collect, &bad) == MNL_CB_ERROR);
    CHECK(errno == EOPNOTSUPP);
    CHECK(bad.calls == 5);

    // A payload buffer on its own.
    attr_table payload;
    CHECK(mnl_attr_parse_payload(mnl_nlmsg_get_payload(nlh), 4 * 8, collect, &payload) == MNL_CB_OK);
    CHECK(payload.calls == 4);
    // A truncated final attribute is not visited.
    attr_table truncated;
    CHECK(mnl_attr_parse_payload(mnl_nlmsg_get_payload(nlh), 4 * 8 - 1, collect, &truncated) == MNL_CB_OK);
    CHECK(truncated.calls == 3);
}

TEST_CASE("nested attributes: start, end, cancel, parse") {
    buffer buf;
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlattr* outer = mnl_attr_nest_start(nlh, 3);
    mnl_attr_put_u32(nlh, 1, 7);
    nlattr* inner = mnl_attr_nest_start(nlh, 2);
    mnl_attr_put_str(nlh, 1, "x");
    mnl_attr_nest_end(nlh, inner);
    mnl_attr_nest_end(nlh, outer);

    CHECK((outer->nla_type & NLA_F_NESTED) != 0);
    CHECK(mnl_attr_get_type(outer) == 3);  // the flag is masked off
    CHECK(mnl_attr_get_len(outer) == 4 + 8 + 4 + 8);
    CHECK(mnl_attr_validate(outer, MNL_TYPE_NESTED) == 0);

    attr_table t;
    CHECK(mnl_attr_parse_nested(outer, collect, &t) == MNL_CB_OK);
    CHECK(t.calls == 2);
    REQUIRE(t.by_type[2]);
    CHECK(mnl_attr_get_u32(t.by_type[1]) == 7);
    attr_table in;
    CHECK(mnl_attr_parse_nested(t.by_type[2], collect, &in) == MNL_CB_OK);
    CHECK(in.calls == 1);

    int count = 0;
    auto* end = static_cast<char*>(mnl_attr_get_payload(outer)) + mnl_attr_get_payload_len(outer);
    for (auto* attr = static_cast<nlattr*>(mnl_attr_get_payload(outer));
         mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<char*>(attr))); attr = mnl_attr_next(attr))
        ++count;
    CHECK(count == 2);

    uint32_t before = nlh->nlmsg_len;
    nlattr* cancelled = mnl_attr_nest_start(nlh, 9);
    mnl_attr_put_u64(nlh, 1, 1);
    mnl_attr_nest_cancel(nlh, cancelled);
    CHECK(nlh->nlmsg_len == before);
}

TEST_CASE("bounded putters refuse to overrun the buffer and leave the message as it was") {
    buffer buf;
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    size_t limit = MNL_NLMSG_HDRLEN + 8;  // room for exactly one u32 attribute
    CHECK(mnl_attr_put_u32_check(nlh, limit, 1, 1));
    CHECK(nlh->nlmsg_len == limit);
    CHECK_FALSE(mnl_attr_put_u8_check(nlh, limit, 2, 1));
    CHECK_FALSE(mnl_attr_put_u16_check(nlh, limit, 2, 1));
    CHECK_FALSE(mnl_attr_put_u32_check(nlh, limit, 2, 1));
    CHECK_FALSE(mnl_attr_put_u64_check(nlh, limit, 2, 1));
    CHECK_FALSE(mnl_attr_put_str_check(nlh, limit, 2, "a"));
    CHECK_FALSE(mnl_attr_put_strz_check(nlh, limit, 2, "a"));
    CHECK_FALSE(mnl_attr_put_check(nlh, limit, 2, 0, nullptr));
    CHECK(mnl_attr_nest_start_check(nlh, limit, 2) == nullptr);
    CHECK(nlh->nlmsg_len == limit);

    size_t roomy = limit + 16;
    CHECK(mnl_attr_put_strz_check(nlh, roomy, 2, "abcdefg"));  // 4 + 8 = 12
    CHECK_FALSE(mnl_attr_put_u8_check(nlh, roomy, 3, 1));     // needs 8, 4 left
    CHECK(mnl_attr_nest_start_check(nlh, roomy, 3) != nullptr);  // a header (4) fits
}

TEST_CASE("attribute validation: lengths per type, errno ERANGE or EINVAL") {
    buffer buf;
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    auto put = [&](size_t len, const void* data) {
        auto* attr = static_cast<nlattr*>(mnl_nlmsg_get_payload_tail(nlh));
        mnl_attr_put(nlh, 1, len, data);
        return attr;
    };
    const unsigned char zeros[16] = {};
    const char no_nul[3] = {'a', 'b', 'c'};

    auto expect = [](int ret, int err) {
        if (err == 0) {
            CHECK(ret == 0);
        } else {
            CHECK(ret == -1);
            CHECK(errno == err);
        }
    };
    errno = 0;
    expect(mnl_attr_validate(put(1, zeros), MNL_TYPE_U8), 0);
    expect(mnl_attr_validate(put(0, zeros), MNL_TYPE_U8), ERANGE);
    expect(mnl_attr_validate(put(2, zeros), MNL_TYPE_U16), 0);
    expect(mnl_attr_validate(put(1, zeros), MNL_TYPE_U16), ERANGE);
    expect(mnl_attr_validate(put(4, zeros), MNL_TYPE_U32), 0);
    expect(mnl_attr_validate(put(2, zeros), MNL_TYPE_U32), ERANGE);
    expect(mnl_attr_validate(put(8, zeros), MNL_TYPE_U32), ERANGE);  // too long for a fixed width
    expect(mnl_attr_validate(put(8, zeros), MNL_TYPE_U64), 0);
    expect(mnl_attr_validate(put(4, zeros), MNL_TYPE_U64), ERANGE);
    expect(mnl_attr_validate(put(8, zeros), MNL_TYPE_MSECS), 0);
    expect(mnl_attr_validate(put(0, zeros), MNL_TYPE_FLAG), 0);
    expect(mnl_attr_validate(put(1, zeros), MNL_TYPE_FLAG), ERANGE);
    expect(mnl_attr_validate(put(3, no_nul), MNL_TYPE_STRING), 0);
    expect(mnl_attr_validate(put(0, zeros), MNL_TYPE_STRING), ERANGE);
    expect(mnl_attr_validate(put(3, no_nul), MNL_TYPE_NUL_STRING), EINVAL);
    expect(mnl_attr_validate(put(0, zeros), MNL_TYPE_NUL_STRING), ERANGE);
    expect(mnl_attr_validate(put(4, "abc"), MNL_TYPE_NUL_STRING), 0);
    expect(mnl_attr_validate(put(0, zeros), MNL_TYPE_NESTED), 0);  // an empty nest is allowed
    expect(mnl_attr_validate(put(2, zeros), MNL_TYPE_NESTED), ERANGE);
    expect(mnl_attr_validate(put(4, zeros), MNL_TYPE_NESTED), 0);
    expect(mnl_attr_validate(put(7, zeros), MNL_TYPE_BINARY), 0);
    expect(mnl_attr_validate(put(0, zeros), MNL_TYPE_UNSPEC), 0);
    expect(mnl_attr_validate(put(4, zeros), MNL_TYPE_MAX), EINVAL);
    expect(mnl_attr_validate(put(4, zeros), static_cast<mnl_attr_data_type>(200)), EINVAL);

    expect(mnl_attr_validate2(put(6, zeros), MNL_TYPE_BINARY, 6), 0);
    expect(mnl_attr_validate2(put(5, zeros), MNL_TYPE_BINARY, 6), ERANGE);
    expect(mnl_attr_validate2(put(7, zeros), MNL_TYPE_BINARY, 6), ERANGE);
    expect(mnl_attr_validate2(put(16, zeros), MNL_TYPE_BINARY, 0), 0);  // 0: any length
    expect(mnl_attr_validate2(put(2, zeros), MNL_TYPE_U32, 2), 0);      // the given length wins
    expect(mnl_attr_validate2(put(4, zeros), MNL_TYPE_MAX, 4), EINVAL);

    auto* typed = put(4, zeros);
    CHECK(mnl_attr_type_valid(typed, 1) == 1);
    errno = 0;
    CHECK(mnl_attr_type_valid(typed, 0) == -1);
    CHECK(errno == EOPNOTSUPP);
}

TEST_CASE("attribute iteration bounds: mnl_attr_ok and mnl_attr_next") {
    alignas(4) unsigned char raw[16] = {};
    auto* attr = reinterpret_cast<nlattr*>(raw);
    attr->nla_len = 6;
    attr->nla_type = 1;
    CHECK(mnl_attr_ok(attr, 16));
    CHECK(mnl_attr_ok(attr, 6));
    CHECK_FALSE(mnl_attr_ok(attr, 5));   // longer than what is left
    CHECK_FALSE(mnl_attr_ok(attr, 3));   // not even a header left
    attr->nla_len = 3;
    CHECK_FALSE(mnl_attr_ok(attr, 16));  // shorter than its own header
    attr->nla_len = 6;
    CHECK(reinterpret_cast<unsigned char*>(mnl_attr_next(attr)) == raw + 8);
}

TEST_CASE("nlmsg iteration, and seq and portid checks where 0 means unchecked") {
    buffer buf;
    nlmsghdr* a = control_message(buf.data(), 100, 0, 1, 0);
    mnl_attr_put_u8(a, 1, 1);  // 16 + 8
    nlmsghdr* b = control_message(end_of(a), 101, 0, 2, 0);
    nlmsghdr* c = control_message(end_of(b), 102, 0, 3, 0);
    int total = static_cast<int>(end_of(c) - reinterpret_cast<char*>(buf.bytes));

    std::vector<uint16_t> types;
    int len = total;
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.bytes); mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
        types.push_back(nlh->nlmsg_type);
    CHECK(types == std::vector<uint16_t>{100, 101, 102});
    CHECK(len == 0);

    len = total - 1;  // the last message is cut short
    types.clear();
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.bytes); mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
        types.push_back(nlh->nlmsg_type);
    CHECK(types == std::vector<uint16_t>{100, 101});

    CHECK_FALSE(mnl_nlmsg_ok(a, 15));
    a->nlmsg_len = 8;
    CHECK_FALSE(mnl_nlmsg_ok(a, 64));
    a->nlmsg_len = 24;

    CHECK(mnl_nlmsg_seq_ok(a, 1));
    CHECK_FALSE(mnl_nlmsg_seq_ok(a, 2));
    CHECK(mnl_nlmsg_seq_ok(a, 0));
    a->nlmsg_seq = 0;
    CHECK(mnl_nlmsg_seq_ok(a, 2));

    a->nlmsg_pid = 77;
    CHECK(mnl_nlmsg_portid_ok(a, 77));
    CHECK_FALSE(mnl_nlmsg_portid_ok(a, 78));
    CHECK(mnl_nlmsg_portid_ok(a, 0));
    a->nlmsg_pid = 0;
    CHECK(mnl_nlmsg_portid_ok(a, 78));
}

TEST_CASE("batch: fill to the limit, overflow, reset carries the overflowing message over") {
    alignas(8) unsigned char mem[256] = {};
    const size_t limit = 64;  // room for two 32-byte messages
    mnl_nlmsg_batch* b = mnl_nlmsg_batch_start(mem, limit);
    REQUIRE(b);
    CHECK(mnl_nlmsg_batch_is_empty(b));
    CHECK(mnl_nlmsg_batch_size(b) == 0);
    CHECK(mnl_nlmsg_batch_head(b) == mem);
    CHECK(mnl_nlmsg_batch_current(b) == mem);

    auto add = [&](uint32_t seq) {
        nlmsghdr* nlh = control_message(mnl_nlmsg_batch_current(b), 200, NLM_F_REQUEST, seq, 0);
        mnl_attr_put_u64(nlh, 1, seq);  // header 16 + attribute 12
        mnl_attr_put_u8(nlh, 2, 0);     // + attribute 8 = 36 bytes
        return nlh;
    };
    add(1);
    CHECK(mnl_nlmsg_batch_next(b));
    CHECK_FALSE(mnl_nlmsg_batch_is_empty(b));
    CHECK(mnl_nlmsg_batch_size(b) == 36);
    CHECK(mnl_nlmsg_batch_current(b) == mem + 36);

    add(2);
    CHECK_FALSE(mnl_nlmsg_batch_next(b));  // 72 > 64: the second message overflows
    CHECK(mnl_nlmsg_batch_size(b) == 36);  // the batch still holds only the first

    mnl_nlmsg_batch_reset(b);              // the overflowing message moves to the front
    CHECK(mnl_nlmsg_batch_size(b) == 36);
    auto* head = static_cast<nlmsghdr*>(mnl_nlmsg_batch_head(b));
    CHECK(head->nlmsg_seq == 2);
    CHECK(mnl_nlmsg_batch_current(b) == mem + 36);

    mnl_nlmsg_batch_reset(b);              // no overflow pending: empty
    CHECK(mnl_nlmsg_batch_is_empty(b));
    CHECK(mnl_nlmsg_batch_current(b) == mem);
    mnl_nlmsg_batch_stop(b);
}

TEST_CASE("cb_run: an ACK stops the run with success") {
    buffer buf;
    error_message(buf.data(), 0, 5, 99);
    errno = EBUSY;
    CHECK(mnl_cb_run(buf.data(), MNL_NLMSG_HDRLEN + sizeof(nlmsgerr), 5, 99, nullptr, nullptr) == MNL_CB_STOP);
}

TEST_CASE("cb_run: an error sets errno from the negated code and fails") {
    buffer buf;
    nlmsghdr* data = control_message(buf.data(), 300, 0, 5, 99);
    nlmsghdr* err = error_message(end_of(data), -ENOENT, 5, 99);
    nlmsghdr* after = control_message(end_of(err), 301, 0, 5, 99);
    seen s;
    errno = 0;
    size_t n = static_cast<size_t>(end_of(after) - reinterpret_cast<char*>(buf.bytes));
    CHECK(mnl_cb_run(buf.data(), n, 5, 99, record, &s) == MNL_CB_ERROR);
    CHECK(errno == ENOENT);
    CHECK(s.types == std::vector<uint16_t>{300});  // nothing after the error is visited

    // A positive code (some subsystems) gives the same errno.
    error_message(buf.data(), EEXIST, 0, 0);
    errno = 0;
    CHECK(mnl_cb_run(buf.data(), MNL_NLMSG_HDRLEN + sizeof(nlmsgerr), 0, 0, nullptr, nullptr) == MNL_CB_ERROR);
    CHECK(errno == EEXIST);

    // An error message too short to hold nlmsgerr.
    nlmsghdr* shortmsg = control_message(buf.data(), NLMSG_ERROR, 0, 0, 0);
    mnl_nlmsg_put_extra_header(shortmsg, 4);
    errno = 0;
    CHECK(mnl_cb_run(buf.data(), shortmsg->nlmsg_len, 0, 0, nullptr, nullptr) == MNL_CB_ERROR);
    CHECK(errno == EBADMSG);
}

TEST_CASE("cb_run: data messages reach the callback; NOOP is skipped; DONE ends a dump") {
    buffer buf;
    nlmsghdr* one = control_message(buf.data(), 300, NLM_F_MULTI, 7, 0);
    nlmsghdr* noop = control_message(end_of(one), NLMSG_NOOP, 0, 7, 0);
    nlmsghdr* two = control_message(end_of(noop), 301, NLM_F_MULTI, 7, 0);
    nlmsghdr* done = control_message(end_of(two), NLMSG_DONE, NLM_F_MULTI, 7, 0);
    mnl_nlmsg_put_extra_header(done, sizeof(int));
    nlmsghdr* three = control_message(end_of(done), 302, 0, 7, 0);
    size_t n = static_cast<size_t>(end_of(three) - reinterpret_cast<char*>(buf.bytes));

    seen s;
    CHECK(mnl_cb_run(buf.data(), n, 7, 0, record, &s) == MNL_CB_STOP);
    CHECK(s.types == std::vector<uint16_t>{300, 301});

    // Without DONE the run ends at the end of the buffer with the callback's last answer.
    seen partial;
    size_t upto_two = static_cast<size_t>(end_of(two) - reinterpret_cast<char*>(buf.bytes));
    CHECK(mnl_cb_run(buf.data(), upto_two, 7, 0, record, &partial) == MNL_CB_OK);
    CHECK(partial.types == std::vector<uint16_t>{300, 301});

    // A callback's STOP or ERROR ends the run with that value.
    seen stopper;
    stopper.reply = MNL_CB_STOP;
    CHECK(mnl_cb_run(buf.data(), n, 7, 0, record, &stopper) == MNL_CB_STOP);
    CHECK(stopper.types.size() == 1);
    seen failer;
    failer.reply = MNL_CB_ERROR;
    CHECK(mnl_cb_run(buf.data(), n, 7, 0, record, &failer) == MNL_CB_ERROR);
    CHECK(failer.types.size() == 1);

    // No data callback: data messages are passed over.
    CHECK(mnl_cb_run(buf.data(), n, 7, 0, nullptr, nullptr) == MNL_CB_STOP);
}

TEST_CASE("cb_run: NLM_F_DUMP_INTR fails with EINTR") {
    buffer buf;
    nlmsghdr* one = control_message(buf.data(), 300, NLM_F_MULTI, 7, 0);
    nlmsghdr* two = control_message(end_of(one), 301, NLM_F_MULTI | NLM_F_DUMP_INTR, 7, 0);
    size_t n = static_cast<size_t>(end_of(two) - reinterpret_cast<char*>(buf.bytes));
    seen s;
    errno = 0;
    CHECK(mnl_cb_run(buf.data(), n, 7, 0, record, &s) == -1);
    CHECK(errno == EINTR);
    CHECK(s.types == std::vector<uint16_t>{300});
}

TEST_CASE("cb_run: sequence and port checks, 0 meaning unchecked") {
    buffer buf;
    nlmsghdr* msg = control_message(buf.data(), 300, 0, 7, 42);
    seen s;
    errno = 0;
    CHECK(mnl_cb_run(buf.data(), msg->nlmsg_len, 8, 42, record, &s) == -1);
    CHECK(errno == EPROTO);
    errno = 0;
    CHECK(mnl_cb_run(buf.data(), msg->nlmsg_len, 7, 43, record, &s) == -1);
    CHECK(errno == ESRCH);
    CHECK(s.types.empty());
    CHECK(mnl_cb_run(buf.data(), msg->nlmsg_len, 0, 0, record, &s) == MNL_CB_OK);
    msg->nlmsg_seq = 0;
    msg->nlmsg_pid = 0;  // e.g. a kernel notification
    CHECK(mnl_cb_run(buf.data(), msg->nlmsg_len, 9, 9, record, &s) == MNL_CB_OK);
    CHECK(s.types.size() == 2);
}

TEST_CASE("cb_run2: control handlers replace the defaults for the types they cover") {
    buffer buf;
    nlmsghdr* err = error_message(buf.data(), -EPERM, 1, 0);
    nlmsghdr* noop = control_message(end_of(err), NLMSG_NOOP, 0, 1, 0);
    nlmsghdr* done = control_message(end_of(noop), NLMSG_DONE, 0, 1, 0);
    size_t n = static_cast<size_t>(end_of(done) - reinterpret_cast<char*>(buf.bytes));

    mnl_cb_t ctl[NLMSG_MIN_TYPE] = {};
    ctl[NLMSG_ERROR] = record;
    ctl[NLMSG_NOOP] = record;
    seen s;
    // DONE has no handler in the array, and the array covers it, so it is passed over too.
    CHECK(mnl_cb_run2(buf.data(), n, 1, 0, nullptr, &s, ctl, NLMSG_MIN_TYPE) == MNL_CB_OK);
    CHECK(s.types == std::vector<uint16_t>{NLMSG_ERROR, NLMSG_NOOP});

    // An array too short to cover DONE leaves DONE to the default: STOP.
    seen shorter;
    CHECK(mnl_cb_run2(buf.data(), n, 1, 0, nullptr, &shorter, ctl, NLMSG_DONE) == MNL_CB_STOP);
    CHECK(shorter.types == std::vector<uint16_t>{NLMSG_ERROR, NLMSG_NOOP});
}

TEST_CASE("socket: open, bind, options, a dump, and ENOSPC for a datagram that does not fit") {
    mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    REQUIRE(nl);
    CHECK(mnl_socket_get_fd(nl) >= 0);
    REQUIRE(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0);
    unsigned portid = mnl_socket_get_portid(nl);
    CHECK(portid != 0);

    int on = 1;
    CHECK(mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof on) == 0);
    int value = 0;
    socklen_t value_len = sizeof value;
    CHECK(mnl_socket_getsockopt(nl, NETLINK_EXT_ACK, &value, &value_len) == 0);
    CHECK(value == 1);

    auto dump_links = [&](uint32_t seq) {
        buffer req;
        nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
        nlh->nlmsg_type = RTM_GETLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        nlh->nlmsg_seq = seq;
        auto* gen = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
        gen->rtgen_family = AF_UNSPEC;
        CHECK(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == static_cast<ssize_t>(nlh->nlmsg_len));
    };

    // A full read: every link (at least lo), then DONE.
    dump_links(1);
    std::vector<char> big(MNL_SOCKET_BUFFER_SIZE * 4);
    seen s;
    int ret = MNL_CB_OK;
    while (ret > MNL_CB_STOP) {
        ssize_t n = mnl_socket_recvfrom(nl, big.data(), big.size());
        REQUIRE(n > 0);
        ret = mnl_cb_run(big.data(), static_cast<size_t>(n), 1, portid, record, &s);
    }
    CHECK(ret == MNL_CB_STOP);
    CHECK_FALSE(s.types.empty());
    for (auto t : s.types) CHECK(t == RTM_NEWLINK);

    // A buffer too small for the first datagram.
    dump_links(2);
    char tiny[16];
    errno = 0;
    CHECK(mnl_socket_recvfrom(nl, tiny, sizeof tiny) == -1);
    CHECK(errno == ENOSPC);

    // mnl_socket_fdopen wraps an existing bound descriptor and learns its port id.
    // (On a duplicate, so that each wrapper closes its own descriptor.)
    int copy = dup(mnl_socket_get_fd(nl));
    REQUIRE(copy >= 0);
    mnl_socket* again = mnl_socket_fdopen(copy);
    REQUIRE(again);
    CHECK(mnl_socket_get_portid(again) == portid);
    CHECK(mnl_socket_get_fd(again) == copy);
    CHECK(mnl_socket_close(again) == 0);
    CHECK(mnl_socket_close(nl) == 0);
}
