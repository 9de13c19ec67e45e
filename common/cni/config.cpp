#include "cni/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "cni/version.hpp"
#include "log/logging.hpp"

namespace wharf::cni {

using nlohmann::json;

void invalid_key(const std::string& key, const std::string& why) {
    throw error(code::invalid_config, "invalid network config: " + key + " " + why, key);
}

net::mac parse_mac(const std::string& key, const std::string& text) {
    auto m = net::mac::parse(text);
    if (!m) invalid_key(key, "\"" + text + "\" is not a MAC address");
    if (!m->is_unicast() || m->is_zero()) invalid_key(key, "\"" + text + "\" is not a unicast MAC address");
    return *m;
}

namespace {


json object_field(const json& doc, const char* key) {
    const json* v = find_value(doc, key);
    if (!v) return json::object();
    if (!v->is_object()) invalid_key(key, "must be an object");
    return *v;
}

}  // namespace

bool get_bool(const json& obj, const char* key, bool fallback) {
    const json* v = find_value(obj, key);
    if (!v) return fallback;
    if (!v->is_boolean()) invalid_key(key, "must be true or false, not " + v->dump());
    return v->get<bool>();
}

std::string get_string(const json& obj, const char* key, const std::string& fallback) {
    const json* v = find_value(obj, key);
    if (!v) return fallback;
    if (!v->is_string()) invalid_key(key, "must be a string, not " + v->dump());
    return v->get<std::string>();
}

long long get_int(const json& obj, const char* key, long long fallback, long long min, long long max) {
    const json* v = find_value(obj, key);
    if (!v) return fallback;
    if (!v->is_number_integer()) invalid_key(key, "must be an integer, not " + v->dump());
    long long n = v->get<long long>();
    if (n < min || n > max)
        invalid_key(key, "is " + std::to_string(n) + ", outside " + std::to_string(min) + ".." + std::to_string(max));
    return n;
}

std::optional<std::string> try_per_request(command cmd, std::string_view what, const std::function<void()>& read) {
    if (cmd != command::del) {
        read();
        return std::nullopt;
    }
    try {
        read();
        return std::nullopt;
    } catch (const error& e) {
        return std::string(what) + ": " + e.what();
    }
}

bool read_per_request(command cmd, std::string_view what, const std::function<void()>& read) {
    auto why = try_per_request(cmd, what, read);
    if (why) log::warn("DEL ignores {}", *why);
    return !why;
}

net_conf parse_net_conf(std::string_view stdin_data, command cmd) {
    json doc = json::parse(stdin_data.begin(), stdin_data.end(), nullptr, false);
    if (doc.is_discarded())
        throw error(code::decoding_failure, "failed to decode network config: not valid JSON",
                    std::string(stdin_data.substr(0, 200)));
    if (!doc.is_object()) throw error(code::decoding_failure, "network config must be a JSON object");

    net_conf c;
    c.cni_version = get_string(doc, "cniVersion");
    if (c.cni_version.empty()) c.cni_version = "0.1.0";
    if (!is_supported_version(c.cni_version)) {
        throw error(code::incompatible_version, "incompatible CNI versions",
                    fmt::format("config is \"{}\", plugin supports [{}]", c.cni_version, fmt::join(supported_versions, ", ")));
    }
    if (cmd == command::check && !version_at_least(c.cni_version, "0.4.0"))
        throw error(code::incompatible_version, "config version does not allow CHECK",
                    "CHECK needs cniVersion 0.4.0 or newer; config is " + c.cni_version);
    if ((cmd == command::status || cmd == command::gc) && !version_at_least(c.cni_version, "1.1.0"))
        throw error(code::incompatible_version, "config version does not allow " + std::string(command_name(cmd)),
                    std::string(command_name(cmd)) + " needs cniVersion 1.1.0 or newer; config is " + c.cni_version);

    c.name = get_string(doc, "name");
    if (c.name.empty()) invalid_key("name", "is missing");
    if (!is_valid_identifier(c.name)) invalid_key("name", "\"" + c.name + "\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
    c.type = get_string(doc, "type");
    if (c.type.empty()) invalid_key("type", "is missing");
    c.capabilities = object_field(doc, "capabilities");
    c.ipam = object_field(doc, "ipam");
    if (const json* v = find_value(doc, "dns")) {
        auto d = dns_from_json(*v, "dns");
        if (!d.empty()) c.dns = std::move(d);
    }
    // Per-request input: a DEL that cannot read it goes on without it (logging is not set up yet,
    // so what was ignored is kept for plugin_main to log).
    auto per_request = [&](const char* what, const std::function<void()>& read) {
        if (auto why = try_per_request(cmd, what, read)) c.ignored.push_back(std::move(*why));
    };
    per_request("runtimeConfig", [&] { c.runtime_config = object_field(doc, "runtimeConfig"); });
    per_request("args", [&] { c.args = object_field(doc, "args"); });
    per_request("prevResult", [&] {
        const json* v = find_value(doc, "prevResult");
        if (!v) return;
        try {
            c.prev_result = result_from_json(*v, c.cni_version);
        } catch (const error& e) {
            throw error(code::decoding_failure, std::string("failed to decode prevResult: ") + e.what(), e.details());
        }
    });
    if (const json* v = find_value(doc, "cni.dev/valid-attachments")) {
        if (!v->is_array()) invalid_key("cni.dev/valid-attachments", "must be a list");
        for (const auto& a : *v) {
            if (!a.is_object()) invalid_key("cni.dev/valid-attachments", "entries must be objects");
            c.valid_attachments.push_back({get_string(a, "containerID"), get_string(a, "ifname")});
        }
    }
    c.log_file = get_string(doc, "logFile");
    c.log_level = get_string(doc, "logLevel");
    c.raw = std::move(doc);
    return c;
}

}  // namespace wharf::cni
