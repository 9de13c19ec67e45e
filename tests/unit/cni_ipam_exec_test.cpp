// IPAM delegation (cni/ipam_exec.hpp), synchronous and started in the background (pending_ipam), with
// fake delegates: the result, the delegate's own error object passed on unchanged, garbage, exit
// codes, the environment it gets, and no child left behind on any path. No root, no kernel state.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>

#include "cni/config.hpp"
#include "cni/error.hpp"
#include "cni/ipam_exec.hpp"
#include "support/script_dir.hpp"

using namespace wharf;

namespace {

const char* result_script =
    "cat >/dev/null\n"
    "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.99.0.7/24\",\"gateway\":\"10.99.0.1\"}]}'\n";

// A context whose ipam.type is `type`, its CNI_PATH the script directory (after one that does not exist).
cni::context context_for(const test::script_dir& d, const std::string& type, const std::string& padding = "") {
    cni::context ctx;
    ctx.stdin_data = R"({"cniVersion":"1.0.0","name":"ipamtest","type":"bridge","pad":")" + padding +
                     R"(","ipam":{"type":")" + type + R"("}})";
    ctx.conf = cni::parse_net_conf(ctx.stdin_data, cni::command::add);
    ctx.req.cmd = cni::command::add;
    ctx.req.path = {d.path() + "/none", d.path()};
    return ctx;
}

// The error a call throws; nullopt if it succeeds.
template <typename F>
std::optional<cni::error> error_of(F&& call) {
    try {
        call();
    } catch (const cni::error& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("ADD returns the delegate's result, read in the version it declares") {
    test::script_dir d;
    d.add("fake", result_script);
    auto r = cni::ipam_add(context_for(d, "fake"));
    REQUIRE(r.ips.size() == 1);
    CHECK(r.ips[0].address.to_string() == "10.99.0.7/24");
    CHECK(test::no_child_left());
}

TEST_CASE("the delegate's own error object is passed on unchanged, sync and in the background") {
    test::script_dir d;
    d.add("refuses", "cat >/dev/null\necho '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no free address\",\"details\":\"range 10.99.0.0/24\"}'\nexit 1\n");
    d.add("terse", "cat >/dev/null\necho '{\"code\":7}'\nexit 1\n");
    auto ctx = context_for(d, "refuses");
    for (auto e : {error_of([&] { cni::ipam_add(ctx); }), error_of([&] { cni::ipam_del(ctx); }),
                   error_of([&] { cni::pending_ipam::start_add(ctx).finish(); })}) {
        REQUIRE(e);
        CHECK(e->number() == 11);
        CHECK(std::string(e->what()) == "no free address");
        CHECK(e->details() == "range 10.99.0.0/24");
    }
    auto terse = error_of([&] { cni::ipam_check(context_for(d, "terse")); });
    REQUIRE(terse);
    CHECK(terse->number() == 7);
    CHECK(std::string(terse->what()) == "IPAM plugin terse failed");
    CHECK(terse->details().empty());
    CHECK(test::no_child_left());
}

TEST_CASE("a delegate printing garbage: 999 with its exit code and output, or 6 when it exited 0") {
    test::script_dir d;
    d.add("crashes", "cat >/dev/null\necho 'segfault {'\nexit 3\n");
    d.add("babbles", "cat >/dev/null\necho 'hello'\n");
    struct expected {
        const char* type;
        unsigned code;
        std::string msg, details;
    };
    for (const expected& x : {expected{"crashes", 999, "IPAM plugin crashes failed with exit code 3", "segfault {\n"},
                              expected{"babbles", 6, "IPAM plugin babbles returned no valid result", "hello\n"}}) {
        INFO(x.type);
        for (auto e : {error_of([&] { cni::ipam_add(context_for(d, x.type)); }),
                       error_of([&] { cni::pending_ipam::start_add(context_for(d, x.type)).finish(); })}) {
            REQUIRE(e);
            CHECK(e->number() == x.code);
            CHECK(std::string(e->what()) == x.msg);
            CHECK(e->details() == x.details);
        }
    }
    CHECK(test::no_child_left());
}

TEST_CASE("in the background: a result is used at once, an exit status that says otherwise is caught by confirm") {
    test::script_dir d;
    d.add("late-failure", std::string(result_script) + "exit 3\n");
    d.add("error-exit-0", "cat >/dev/null\necho '{\"code\":11,\"msg\":\"x\"}'\n");
    auto pending = cni::pending_ipam::start_add(context_for(d, "late-failure"));
    CHECK(pending.finish().ips.size() == 1);
    auto e = error_of([&] { pending.confirm(); });
    REQUIRE(e);
    CHECK(e->number() == 999);
    CHECK(std::string(e->what()) == "IPAM plugin late-failure printed a result but failed with exit code 3");

    auto zero = error_of([&] { cni::pending_ipam::start_add(context_for(d, "error-exit-0")).finish(); });
    REQUIRE(zero);
    CHECK(zero->number() == 999);
    CHECK(std::string(zero->what()) == "IPAM plugin error-exit-0 exited 0 with an error object");
    CHECK(test::no_child_left());
}

TEST_CASE("in the background: a config larger than a pipe reaches the delegate whole") {
    test::script_dir d;
    d.add("counts", "n=$(wc -c)\necho \"{\\\"cniVersion\\\":\\\"1.0.0\\\",\\\"ips\\\":[{\\\"address\\\":\\\"10.99.0.9/24\\\"}],\\\"dns\\\":{\\\"domain\\\":\\\"$n\\\"}}\"\n");
    auto ctx = context_for(d, "counts", std::string(200000, 'p'));
    auto pending = cni::pending_ipam::start_add(ctx);
    auto r = pending.finish();
    pending.confirm();
    CHECK(r.dns.domain == std::to_string(ctx.stdin_data.size()));
}

TEST_CASE("a delegate started and never finished is waited for when it goes: no zombie") {
    test::script_dir d;
    d.add("fake", result_script);
    { auto pending = cni::pending_ipam::start_add(context_for(d, "fake")); }
    { auto pending = cni::pending_ipam::start_add(context_for(d, "fake")); pending.finish(); }
    CHECK(test::no_child_left());
}

TEST_CASE("the delegate runs with our environment, CNI_COMMAND replaced") {
    test::script_dir d;
    d.add("echoes", "cat >/dev/null\necho \"{\\\"code\\\":7,\\\"msg\\\":\\\"$CNI_COMMAND $CNI_CONTAINERID $WHARF_IPAM_TEST\\\"}\"\nexit 1\n");
    REQUIRE(::setenv("CNI_COMMAND", "ADD", 1) == 0);
    REQUIRE(::setenv("CNI_CONTAINERID", "ctr-env", 1) == 0);
    REQUIRE(::setenv("WHARF_IPAM_TEST", "inherited", 1) == 0);
    auto del = error_of([&] { cni::ipam_del(context_for(d, "echoes")); });
    auto gc = error_of([&] { cni::ipam_gc(context_for(d, "echoes")); });
    for (const char* v : {"CNI_COMMAND", "CNI_CONTAINERID", "WHARF_IPAM_TEST"}) ::unsetenv(v);
    REQUIRE(del);
    CHECK(std::string(del->what()) == "DEL ctr-env inherited");
    REQUIRE(gc);
    CHECK(std::string(gc->what()) == "GC ctr-env inherited");
}

TEST_CASE("a delegate that is not there, or a type that is a path: code 7") {
    test::script_dir d;
    auto missing = error_of([&] { cni::ipam_add(context_for(d, "nope")); });
    REQUIRE(missing);
    CHECK(missing->number() == 7);
    CHECK(std::string(missing->what()) == "failed to find plugin \"nope\" in path");
    CHECK(missing->details() == "CNI_PATH=" + d.path() + "/none:" + d.path());
    auto path = error_of([&] { cni::pending_ipam::start_add(context_for(d, "../fake")); });
    REQUIRE(path);
    CHECK(path->number() == 7);
    CHECK(std::string(path->what()) == "invalid plugin type \"../fake\"");
}
