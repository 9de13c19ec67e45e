// wharfd's reclaim decisions without a kernel: the duration parser of --reclaim-after, and judge(),
// which releases an attachment only when its namespace is provably gone and the record is from an
// earlier boot or older than the grace period.
#include <doctest/doctest.h>

#include "reclaim_policy.hpp"

using namespace wharf;
using agent::judge;
using agent::parse_duration;
using netns::presence;
using std::chrono::seconds;

TEST_CASE("parse_duration reads whole numbers with s, m, h, and sums of them") {
    CHECK(parse_duration("90s") == seconds(90));
    CHECK(parse_duration("10m") == seconds(600));
    CHECK(parse_duration("1h") == seconds(3600));
    CHECK(parse_duration("1h30m") == seconds(5400));
    CHECK(parse_duration("2h0m5s") == seconds(7205));
    CHECK(parse_duration("0s") == seconds(0));
    CHECK(parse_duration("007m") == seconds(420));
}

TEST_CASE("parse_duration refuses what is no duration") {
    for (const char* bad : {"", "10", "m", "10x", "10 m", "-5s", "1.5h", "10m5", "s10", "1d", " 10s", "10s ",
                            "876001h", "99999999999999999999s"})
        CHECK_MESSAGE(!parse_duration(bad), bad);
}

TEST_CASE("format_duration prints what parse_duration reads back") {
    CHECK(agent::format_duration(seconds(0)) == "0s");
    CHECK(agent::format_duration(seconds(5400)) == "1h30m");
    CHECK(agent::format_duration(seconds(7205)) == "2h5s");
    for (long s : {1L, 59L, 60L, 61L, 3599L, 3600L, 86400L, 90061L})
        CHECK(parse_duration(agent::format_duration(seconds(s))) == seconds(s));
}

namespace {

constexpr std::int64_t added = 1'800'000'000;
const std::string this_boot = "b0000000-0000-4000-8000-000000000001";
const std::string earlier_boot = "b0000000-0000-4000-8000-000000000000";

netns::origin recorded(const std::string& boot) {
    return {.netns = "/run/netns/x", .id = {.dev = 4, .ino = 4026532178, .cookie = 7}, .boot_id = boot, .added_at = added};
}

bool releases(const netns::origin& o, presence seen, std::int64_t now, agent::reclaim_policy policy = {}) {
    return judge(o, seen, this_boot, now, policy).release;
}

}  // namespace

TEST_CASE("an earlier boot's record is released when its namespace is gone or replaced, never when it is there") {
    const auto o = recorded(earlier_boot);
    CHECK(releases(o, presence::gone, added + 1));
    CHECK(releases(o, presence::replaced, added + 1));
    CHECK_FALSE(releases(o, presence::same, added + 1));
    CHECK_FALSE(releases(o, presence::same, added + 1, {.after = seconds(0)}));
    CHECK_FALSE(releases(o, presence::unknown, added + 1));
    const auto v = judge(o, presence::gone, this_boot, added + 1, {});
    CHECK(v.reason == "its network namespace /run/netns/x is gone and the record is from an earlier boot");
}

TEST_CASE("this boot's record: kept by default, released once the grace period has passed since ADD") {
    const auto o = recorded(this_boot);
    CHECK_FALSE(releases(o, presence::gone, added + 100'000));
    CHECK_FALSE(releases(o, presence::gone, added + 599, {.after = seconds(600)}));
    CHECK(releases(o, presence::gone, added + 600, {.after = seconds(600)}));
    CHECK(releases(o, presence::replaced, added + 600, {.after = seconds(600)}));
    CHECK_FALSE(releases(o, presence::same, added + 100'000, {.after = seconds(600)}));
    CHECK_FALSE(releases(o, presence::unknown, added + 100'000, {.after = seconds(600)}));
    // A clock set back: the ADD seems to lie in the future, so the grace has not passed.
    CHECK_FALSE(releases(o, presence::gone, added - 50, {.after = seconds(0)}));
    CHECK(judge(o, presence::gone, this_boot, added + 30, {.after = seconds(600)}).reason ==
          "its network namespace /run/netns/x is gone, but its ADD was only 30s ago (--reclaim-after 10m)");
}

TEST_CASE("a record without the namespace's identity is never released") {
    auto o = recorded(earlier_boot);
    o.id = {};
    CHECK_FALSE(releases(o, presence::gone, added + 100'000, {.after = seconds(0)}));
    CHECK_FALSE(releases(o, presence::replaced, added + 100'000, {.after = seconds(0)}));
}

TEST_CASE("a record without a boot ID or an ADD time: only what is known counts") {
    auto no_boot = recorded("");
    CHECK_FALSE(releases(no_boot, presence::gone, added + 100'000));
    CHECK(releases(no_boot, presence::gone, added + 600, {.after = seconds(600)}));
    auto no_time = recorded(this_boot);
    no_time.added_at = 0;
    CHECK_FALSE(releases(no_time, presence::gone, added + 100'000, {.after = seconds(0)}));
    CHECK(releases(recorded(earlier_boot), presence::gone, added, {}));
    // A kernel that gives no boot ID now: no record is from "an earlier boot".
    CHECK_FALSE(judge(recorded(earlier_boot), presence::gone, "", added + 1, {}).release);
}
