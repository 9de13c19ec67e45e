// cni::exec_plugin and decode_error: the built loopback answering VERSION through the invoke module
// (args, find, exec), and fake plugins that fail with an error object, print garbage or write to
// stderr. No root, no kernel state.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cerrno>

#include "base/os_error.hpp"
#include "cni/invoke_args.hpp"
#include "cni/invoke_exec.hpp"
#include "cni/invoke_find.hpp"
#include "json/json.hpp"
#include "support/plugin_runner.hpp"
#include "support/script_dir.hpp"

using namespace wharf;
using nlohmann::json;

namespace {

std::vector<std::string> runtime_env(const std::string& command, const std::string& path = WHARF_BIN_DIR) {
    return cni::invoke_environment({.command = command, .path = path}, cni::inherit::all_but_protocol);
}

}  // namespace

TEST_CASE("the built loopback, found in CNI_PATH, answers VERSION") {
    auto binary = cni::find_in_path("loopback", {"/nonexistent", WHARF_BIN_DIR});
    REQUIRE_MESSAGE(binary, "build the loopback plugin first");
    auto o = cni::exec_plugin(*binary, runtime_env("VERSION"), R"({"cniVersion":"1.0.0"})");
    CHECK(o.exit_code == 0);
    json answer = json::parse(o.out);
    CHECK(answer["cniVersion"].is_string());
    auto versions = answer["supportedVersions"];
    CHECK(std::find(versions.begin(), versions.end(), "0.3.1") != versions.end());
    CHECK(std::find(versions.begin(), versions.end(), "1.1.0") != versions.end());
    CHECK_FALSE(cni::decode_error(o.out));
    CHECK(o.err.empty());  // not captured
}

TEST_CASE("the built loopback refuses an unknown command with its error object, decoded; its log on stderr") {
    auto o = cni::exec_plugin(test::plugin_path("loopback"), runtime_env("FROB"), R"({"cniVersion":"1.0.0"})",
                              {.capture_stderr = true});
    CHECK(o.exit_code != 0);
    CHECK(o.err.find("unknown CNI_COMMAND \"FROB\"") != std::string::npos);
    auto e = cni::decode_error(o.out);
    REQUIRE_MESSAGE(e, o.out);
    CHECK(e->code == 4);
    CHECK(e->msg.value_or("").find("FROB") != std::string::npos);
    CHECK(e->details == "CNI_COMMAND");
}

TEST_CASE("a plugin failing with an error object: exit status, the object, its stderr kept apart") {
    test::script_dir d;
    auto p = d.add("fails", "cat >/dev/null\necho 'plugin log line' >&2\n"
                            "echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"try again\",\"details\":\"store busy\"}'\nexit 3\n");
    auto o = cni::exec_plugin(p, runtime_env("ADD", d.path()), R"({"cniVersion":"1.0.0"})", {.capture_stderr = true});
    CHECK(o.exit_code == 3);
    CHECK(o.err == "plugin log line\n");
    auto e = cni::decode_error(o.out);
    REQUIRE(e);
    CHECK(e->code == 11);
    CHECK(e->msg == "try again");
    CHECK(e->details == "store busy");
}

TEST_CASE("a plugin printing garbage: its exit status and output come back, no error object") {
    test::script_dir d;
    auto p = d.add("garbage", "cat >/dev/null\necho 'panic: runtime error {'\nexit 2\n");
    auto o = cni::exec_plugin(p, runtime_env("ADD", d.path()), "{}");
    CHECK(o.exit_code == 2);
    CHECK(o.out == "panic: runtime error {\n");
    CHECK_FALSE(cni::decode_error(o.out));
    CHECK(test::no_child_left());
}

TEST_CASE("error objects are decoded as the reference decoder reads them") {
    auto e = cni::decode_error(R"({"Code":7,"MSG":"bad config"})");
    REQUIRE(e);
    CHECK(e->code == 7);
    CHECK(e->msg == "bad config");
    CHECK(e->details == std::nullopt);
    auto no_strings = cni::decode_error(R"({"code":5,"msg":1,"details":null})");
    REQUIRE(no_strings);
    CHECK(no_strings->msg == std::nullopt);
    CHECK(no_strings->details == std::nullopt);
    for (const char* not_one : {"", "garbage", "[]", R"({"msg":"x"})", R"({"code":-1})", R"({"code":"7"})", R"({"code":null})",
                                R"({"code":1.5})"})
        CHECK_FALSE(cni::decode_error(not_one));
}

TEST_CASE("a started plugin runs while the caller works; finish_plugin collects it") {
    test::script_dir d;
    auto p = d.add("slow-reader", "sleep 0.1\nwc -c\n");
    std::string config(300000, 'c');  // more than the pipe holds: the rest is written while finishing
    auto plugin = sys::child_process::spawn(p, runtime_env("ADD", d.path()), config);
    auto o = cni::finish_plugin(plugin);
    CHECK(o.exit_code == 0);
    CHECK(std::stoul(o.out) == config.size());
}

TEST_CASE("a binary that cannot be started is an os_error naming it") {
    try {
        cni::exec_plugin("/nonexistent/plugin", runtime_env("ADD"), "{}");
        FAIL("no error");
    } catch (const os_error& e) {
        CHECK(e.code_value() == ENOENT);
        CHECK(std::string(e.what()).find("start /nonexistent/plugin") != std::string::npos);
    }
    CHECK(test::no_child_left());
}
