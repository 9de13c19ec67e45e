#include <doctest/doctest.h>

#include <map>

#include "cni/env.hpp"
#include "cni/error.hpp"

using namespace wharf::cni;

namespace {

env_lookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::map<std::string, std::string> good_add() {
    return {{"CNI_COMMAND", "ADD"},
            {"CNI_CONTAINERID", "abc123"},
            {"CNI_NETNS", "/var/run/netns/x"},
            {"CNI_IFNAME", "eth0"},
            {"CNI_PATH", "/opt/cni/bin:/usr/lib/cni"}};
}

// Runs read_request and returns the error's code and details (code 0 when it succeeded).
std::pair<unsigned, std::string> failure_of(std::map<std::string, std::string> vars) {
    try {
        read_request(env_of(std::move(vars)));
        return {0, ""};
    } catch (const error& e) {
        return {e.number(), e.details() + " " + e.what()};
    }
}

}  // namespace

TEST_CASE("a complete ADD environment is read") {
    auto vars = good_add();
    vars["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.1.2.3";
    request r = read_request(env_of(vars));
    CHECK(r.cmd == command::add);
    CHECK(r.container_id == "abc123");
    CHECK(r.netns == "/var/run/netns/x");
    CHECK(r.ifname == "eth0");
    REQUIRE(r.path.size() == 2);
    CHECK(r.path[1] == "/usr/lib/cni");
    CHECK(r.arg("IP") == "10.1.2.3");
    CHECK(r.arg("K8S_POD_NAME") == "web");
    CHECK_FALSE(r.arg("MAC"));
}

TEST_CASE("VERSION needs only CNI_COMMAND") {
    CHECK(read_request(env_of({{"CNI_COMMAND", "VERSION"}})).cmd == command::version);
}

TEST_CASE("DEL does not need CNI_NETNS; STATUS and GC need only CNI_PATH") {
    auto vars = good_add();
    vars["CNI_COMMAND"] = "DEL";
    vars.erase("CNI_NETNS");
    CHECK(read_request(env_of(vars)).netns.empty());
    CHECK(read_request(env_of({{"CNI_COMMAND", "STATUS"}, {"CNI_PATH", "/x"}})).cmd == command::status);
    CHECK(read_request(env_of({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/x"}})).cmd == command::gc);
}

TEST_CASE("each missing or malformed variable is code 4 and named") {
    struct bad_case {
        const char* var;
        const char* value;  // nullptr removes the variable
        const char* command;
    };
    const bad_case cases[] = {
        {"CNI_COMMAND", nullptr, "ADD"},       {"CNI_COMMAND", "FROB", "ADD"},
        {"CNI_CONTAINERID", nullptr, "ADD"},   {"CNI_CONTAINERID", "-bad", "ADD"},
        {"CNI_CONTAINERID", "a/b", "DEL"},     {"CNI_NETNS", nullptr, "ADD"},
        {"CNI_NETNS", nullptr, "CHECK"},       {"CNI_IFNAME", nullptr, "ADD"},
        {"CNI_IFNAME", "a-very-long-name-x", "ADD"}, {"CNI_IFNAME", "et/h0", "ADD"},
        {"CNI_IFNAME", "eth:0", "ADD"},        {"CNI_IFNAME", "eth 0", "ADD"},
        {"CNI_IFNAME", ".", "ADD"},            {"CNI_IFNAME", "..", "DEL"},
        {"CNI_PATH", nullptr, "ADD"},          {"CNI_PATH", nullptr, "DEL"},
        {"CNI_ARGS", "IP", "ADD"},             {"CNI_ARGS", "=x", "ADD"},
    };
    for (const auto& c : cases) {
        auto vars = good_add();
        vars["CNI_COMMAND"] = c.command;
        if (c.value) vars[c.var] = c.value;
        else vars.erase(c.var);
        const auto failure = failure_of(vars);  // not a structured binding: INFO captures it, which Clang 14 refuses
        const auto& code_number = failure.first;
        const auto& text = failure.second;
        INFO(c.var, " = ", (c.value ? c.value : "(unset)"), " for ", c.command, ": ", text);
        CHECK(code_number == 4);
        CHECK(text.find(c.var) != std::string::npos);
    }
}

TEST_CASE("containerd's CNI_ARGS are read in any order; on DEL a malformed pair is skipped, not fatal") {
    auto vars = good_add();
    vars["CNI_ARGS"] = "K8S_POD_NAME=web-0;IgnoreUnknown=1;K8S_POD_INFRA_CONTAINER_ID=abc123;"
                       "K8S_POD_NAMESPACE=default;K8S_POD_UID=7f1c";
    auto req = read_request(env_of(vars));
    CHECK(req.args.size() == 5);
    CHECK(req.arg("K8S_POD_NAMESPACE") == "default");
    CHECK(req.arg("IgnoreUnknown") == "1");

    vars["CNI_ARGS"] = "IgnoreUnknown=1;garbage;K8S_POD_NAME=web-0;=x";
    CHECK(failure_of(vars).first == 4);
    vars["CNI_COMMAND"] = "DEL";
    auto del = read_request(env_of(vars));
    CHECK(del.args.size() == 2);
    CHECK(del.arg("K8S_POD_NAME") == "web-0");
    REQUIRE(del.ignored.size() == 2);
    CHECK(del.ignored[0].find("garbage") != std::string::npos);
}

TEST_CASE("interface names: the kernel's limits") {
    CHECK(interface_name_problem("eth0").empty());
    CHECK(interface_name_problem("abcdefghijklmno").empty());  // 15 bytes
    CHECK_FALSE(interface_name_problem("abcdefghijklmnop").empty());
    CHECK_FALSE(interface_name_problem("").empty());
    CHECK_FALSE(interface_name_problem("a\tb").empty());
}

TEST_CASE("check_known_args: unknown keys refused unless IgnoreUnknown is true, wherever it stands") {
    auto with_args = [](const std::string& raw) {
        auto vars = good_add();
        vars["CNI_ARGS"] = raw;
        return read_request(env_of(vars));
    };
    auto refusal = [](const request& req) -> std::string {
        try {
            check_known_args(req, {"MAC"});
            return "";
        } catch (const error& e) {
            CHECK(e.err_code() == code::invalid_env);
            return e.what();
        }
    };
    CHECK(refusal(with_args("")).empty());
    CHECK(refusal(with_args("MAC=02:00:00:00:00:01")).empty());
    CHECK(refusal(with_args("K8S_POD_NAME=web;MAC=x")) == "CNI_ARGS: unknown args K8S_POD_NAME=web");
    CHECK(refusal(with_args("mac=x")) == "CNI_ARGS: unknown args mac=x");  // keys match exactly
    CHECK(refusal(with_args("K8S_POD_NAME=web;IgnoreUnknown=1")).empty());
    CHECK(refusal(with_args("IgnoreUnknown=TRUE;K8S_POD_NAME=web")).empty());
    CHECK(refusal(with_args("IgnoreUnknown=0;K8S_POD_NAME=web")) == "CNI_ARGS: unknown args K8S_POD_NAME=web");
    CHECK(refusal(with_args("IgnoreUnknown=yes")) == "CNI_ARGS: IgnoreUnknown=\"yes\" is not a boolean");
}
