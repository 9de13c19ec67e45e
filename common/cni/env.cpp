#include "cni/env.hpp"

#include <cctype>
#include <cstdlib>

#include "cni/error.hpp"

namespace wharf::cni {

std::string_view command_name(command c) {
    switch (c) {
        case command::add: return "ADD";
        case command::del: return "DEL";
        case command::check: return "CHECK";
        case command::version: return "VERSION";
        case command::status: return "STATUS";
        case command::gc: return "GC";
    }
    return "?";
}

std::optional<std::string> request::arg(std::string_view key) const {
    std::optional<std::string> found;
    for (const auto& [k, v] : args)
        if (k == key) found = v;
    return found;
}

std::optional<std::string> process_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
}

bool is_valid_identifier(std::string_view s) {
    if (s.empty() || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (!std::isalnum(u) && c != '_' && c != '.' && c != '-') return false;
    }
    return true;
}

std::string interface_name_problem(std::string_view s) {
    if (s.empty()) return "interface name is empty";
    if (s.size() > 15) return "interface name is longer than 15 bytes";
    if (s == "." || s == "..") return "interface name cannot be '.' or '..'";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == ':' || std::isspace(u)) return "interface name contains '/', ':' or white space";
    }
    return {};
}

void check_known_args(const request& req, std::initializer_list<std::string_view> known) {
    constexpr std::string_view ignore_key = "IgnoreUnknown";
    bool ignore_unknown = false;
    std::string unknown;
    for (const auto& [key, value] : req.args) {
        if (key == ignore_key) {
            std::string v = value;
            for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (v == "1" || v == "true") ignore_unknown = true;
            else if (v == "0" || v == "false") ignore_unknown = false;
            else
                throw error(code::invalid_env, "CNI_ARGS: IgnoreUnknown=\"" + value + "\" is not a boolean",
                            "expected 1, true, 0 or false; CNI_ARGS=" + req.args_raw);
            continue;
        }
        bool is_known = false;
        for (auto k : known) is_known = is_known || key == k;
        if (!is_known) unknown += (unknown.empty() ? "" : ", ") + key + "=" + value;
    }
    if (!unknown.empty() && !ignore_unknown)
        throw error(code::invalid_env, "CNI_ARGS: unknown args " + unknown,
                    "add IgnoreUnknown=1 to pass keys this plugin does not read; CNI_ARGS=" + req.args_raw);
}

namespace {

std::optional<command> parse_command(std::string_view s) {
    if (s == "ADD") return command::add;
    if (s == "DEL") return command::del;
    if (s == "CHECK") return command::check;
    if (s == "VERSION") return command::version;
    if (s == "STATUS") return command::status;
    if (s == "GC") return command::gc;
    return std::nullopt;
}

[[noreturn]] void missing(const char* var) {
    throw error(code::invalid_env, std::string("required environment variable ") + var + " is missing", var);
}

// CNI_ARGS split into KEY=VALUE pairs. A malformed pair throws, or with `skipped` is recorded there.
std::vector<std::pair<std::string, std::string>> parse_args(const std::string& raw,
                                                            std::vector<std::string>* skipped) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start <= raw.size()) {
        std::size_t end = raw.find(';', start);
        if (end == std::string::npos) end = raw.size();
        std::string pair = raw.substr(start, end - start);
        if (!pair.empty()) {
            std::size_t eq = pair.find('=');
            if (eq == std::string::npos || eq == 0) {
                std::string why = "CNI_ARGS: invalid pair \"" + pair + "\" (expected KEY=VALUE)";
                if (!skipped) throw error(code::invalid_env, why, "CNI_ARGS=" + raw);
                skipped->push_back(std::move(why));
            } else {
                out.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
            }
        }
        start = end + 1;
    }
    return out;
}

}  // namespace

request read_request(const env_lookup& env) {
    request req;
    auto cmd_text = env("CNI_COMMAND");
    if (!cmd_text || cmd_text->empty()) missing("CNI_COMMAND");
    auto cmd = parse_command(*cmd_text);
    if (!cmd) throw error(code::invalid_env, "unknown CNI_COMMAND \"" + *cmd_text + "\"", "CNI_COMMAND");
    req.cmd = *cmd;
    if (req.cmd == command::version) return req;

    const bool attach = req.cmd == command::add || req.cmd == command::check || req.cmd == command::del;
    if (attach) {
        auto id = env("CNI_CONTAINERID");
        if (!id || id->empty()) missing("CNI_CONTAINERID");
        if (!is_valid_identifier(*id))
            throw error(code::invalid_env, "CNI_CONTAINERID \"" + *id + "\" has invalid characters",
                        "must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
        req.container_id = *id;

        auto ifname = env("CNI_IFNAME");
        if (!ifname || ifname->empty()) missing("CNI_IFNAME");
        if (auto why = interface_name_problem(*ifname); !why.empty())
            throw error(code::invalid_env, "CNI_IFNAME \"" + *ifname + "\" is invalid: " + why, "CNI_IFNAME");
        req.ifname = *ifname;
    }

    auto netns = env("CNI_NETNS");
    if ((req.cmd == command::add || req.cmd == command::check) && (!netns || netns->empty())) missing("CNI_NETNS");
    if (netns) req.netns = *netns;

    if (auto args = env("CNI_ARGS")) {
        req.args_raw = *args;
        req.args = parse_args(*args, req.cmd == command::del ? &req.ignored : nullptr);
    }

    auto path = env("CNI_PATH");
    if (!path || path->empty()) missing("CNI_PATH");
    std::size_t start = 0;
    while (start <= path->size()) {
        std::size_t end = path->find(':', start);
        if (end == std::string::npos) end = path->size();
        if (end > start) req.path.push_back(path->substr(start, end - start));
        start = end + 1;
    }
    return req;
}

}  // namespace wharf::cni
