// cni::invoke_environment, the one builder of a plugin call's environment, and the CNI_ARGS and
// CNI_PATH joins; read back through cni::read_request, the one reader.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cni/env.hpp"
#include "cni/invoke_args.hpp"

using namespace wharf::cni;

namespace {

using strings = std::vector<std::string>;

// An environ-shaped view of `entries`.
struct fake_environ {
    std::vector<const char*> ptrs;
    explicit fake_environ(const strings& entries) {
        for (const auto& e : entries) ptrs.push_back(e.c_str());
        ptrs.push_back(nullptr);
    }
    const char* const* get() const { return ptrs.data(); }
};

strings build(const invoke_args& call, inherit from, const strings& base) {
    fake_environ e(base);
    return invoke_environment(call, from, e.get());
}

env_lookup lookup_in(const strings& env) {
    return [env](const char* name) -> std::optional<std::string> {
        const std::string prefix = std::string(name) + "=";
        for (const auto& e : env)
            if (e.rfind(prefix, 0) == 0) return e.substr(prefix.size());
        return std::nullopt;
    };
}

const strings caller = {"HOME=/root", "CNI_COMMAND=ADD", "CNI_CONTAINERID=ctr1", "CNI_NETNS=/run/netns/a",
                        "CNI_IFNAME=eth0", "CNI_ARGS=K=V", "CNI_PATH=/opt/cni/bin", "CNI_PATHS=/not/ours",
                        "PATH=/usr/bin"};

}  // namespace

TEST_CASE("a delegate inherits the caller's request with CNI_COMMAND replaced, once") {
    CHECK(build({.command = "DEL"}, inherit::all, caller) ==
          strings{"HOME=/root", "CNI_CONTAINERID=ctr1", "CNI_NETNS=/run/netns/a", "CNI_IFNAME=eth0", "CNI_ARGS=K=V",
                  "CNI_PATH=/opt/cni/bin", "CNI_PATHS=/not/ours", "PATH=/usr/bin", "CNI_COMMAND=DEL"});
}

TEST_CASE("a runtime's call is described by the call alone: inherited CNI_* variables never pass") {
    auto env = build({.command = "VERSION", .path = "/a:/b"}, inherit::all_but_protocol, caller);
    CHECK(env == strings{"HOME=/root", "CNI_PATHS=/not/ours", "PATH=/usr/bin", "CNI_COMMAND=VERSION", "CNI_PATH=/a:/b"});
}

TEST_CASE("the call's variables come in a fixed order after the inherited ones; an empty value is set, not dropped") {
    auto env = build({.command = "ADD",
                      .container_id = "",
                      .netns = "/run/netns/b",
                      .ifname = "net1",
                      .args = "IgnoreUnknown=1;K8S_POD_NAME=p",
                      .path = "/x"},
                     inherit::all, {"A=1", "CNI_IFNAME=eth9", "B=2"});
    CHECK(env == strings{"A=1", "B=2", "CNI_COMMAND=ADD", "CNI_CONTAINERID=", "CNI_NETNS=/run/netns/b", "CNI_IFNAME=net1",
                         "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=p", "CNI_PATH=/x"});
}

TEST_CASE("extra variables set, replace a call's variable, or remove one, in order") {
    invoke_args call{.command = "ADD", .ifname = "eth0"};
    call.extra = {{"WHARF_LOG_LEVEL", "debug"}, {"CNI_IFNAME", "eth1"}, {"CNI_COMMAND", std::nullopt},
                  {"HOME", std::nullopt},        {"WHARF_LOG_LEVEL", "trace"}};
    auto env = build(call, inherit::all, {"HOME=/root", "PATH=/usr/bin"});
    CHECK(env == strings{"PATH=/usr/bin", "CNI_IFNAME=eth1", "WHARF_LOG_LEVEL=trace"});
}

TEST_CASE("no base is an empty environment; the default base is this process's environment") {
    const char* const nothing[] = {nullptr};
    CHECK(invoke_environment({.command = "VERSION"}, inherit::all, nothing) == strings{"CNI_COMMAND=VERSION"});

    REQUIRE(::setenv("WHARF_INVOKE_ARGS_TEST", "inherited", 1) == 0);
    REQUIRE(::setenv("CNI_COMMAND", "ADD", 1) == 0);
    auto env = invoke_environment({.command = "DEL"});
    ::unsetenv("WHARF_INVOKE_ARGS_TEST");
    ::unsetenv("CNI_COMMAND");
    CHECK(std::count(env.begin(), env.end(), "WHARF_INVOKE_ARGS_TEST=inherited") == 1);
    CHECK(std::count_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("CNI_COMMAND=", 0) == 0; }) == 1);
    CHECK(env.back() == "CNI_COMMAND=DEL");
}

TEST_CASE("what the builder writes, the plugin's reader reads back") {
    auto env = build({.command = "ADD",
                      .container_id = "ctr-7",
                      .netns = "/run/netns/x",
                      .ifname = "eth0",
                      .args = join_cni_args({{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "web"}}),
                      .path = join_cni_path({"/opt/cni/bin", "/usr/lib/cni"})},
                     inherit::all_but_protocol, caller);
    request req = read_request(lookup_in(env));
    CHECK(req.cmd == command::add);
    CHECK(req.container_id == "ctr-7");
    CHECK(req.netns == "/run/netns/x");
    CHECK(req.ifname == "eth0");
    CHECK(req.arg("K8S_POD_NAME") == "web");
    CHECK(req.path == strings{"/opt/cni/bin", "/usr/lib/cni"});
}

TEST_CASE("CNI_ARGS and CNI_PATH joins") {
    CHECK(join_cni_args({}).empty());
    CHECK(join_cni_args({{"A", "1"}}) == "A=1");
    CHECK(join_cni_args({{"A", "1"}, {"B", "x=y"}}) == "A=1;B=x=y");
    CHECK(join_cni_path({}).empty());
    CHECK(join_cni_path({"/a"}) == "/a");
    CHECK(join_cni_path({"/a", "/b", "/c"}) == "/a:/b:/c");
}
