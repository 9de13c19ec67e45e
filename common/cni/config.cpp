#include "cni/config.hpp"

#include "cni/error.hpp"
#include "cni/version.hpp"

namespace wharf::cni {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
    throw error(code::invalid_config, "invalid network config: " + key + " " + why, key);
}

json object_field(const json& doc, const char* key) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return json::object();
    if (!it->is_object()) invalid(key, "must be an object");
    return *it;
}

}  // namespace

bool get_bool(const json& obj, const char* key, bool fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) invalid(key, "must be true or false, not " + it->dump());
    return it->get<bool>();
}

std::string get_string(const json& obj, const char* key, const std::string& fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_string()) invalid(key, "must be a string, not " + it->dump());
    return it->get<std::string>();
}

long long get_int(const json& obj, const char* key, long long fallback, long long min, long long max) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_number_integer()) invalid(key, "must be an integer, not " + it->dump());
    long long v = it->get<long long>();
    if (v < min || v > max)
        invalid(key, "is " + std::to_string(v) + ", outside " + std::to_string(min) + ".." + std::to_string(max));
    return v;
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
        std::string supported;
        for (auto v : supported_versions) supported += (supported.empty() ? "" : ", ") + std::string(v);
        throw error(code::incompatible_version, "incompatible CNI versions",
                    "config is \"" + c.cni_version + "\", plugin supports [" + supported + "]");
    }
    if (cmd == command::check && !version_at_least(c.cni_version, "0.4.0"))
        throw error(code::incompatible_version, "config version does not allow CHECK",
                    "CHECK needs cniVersion 0.4.0 or newer; config is " + c.cni_version);
    if ((cmd == command::status || cmd == command::gc) && !version_at_least(c.cni_version, "1.1.0"))
        throw error(code::incompatible_version, "config version does not allow " + std::string(command_name(cmd)),
                    std::string(command_name(cmd)) + " needs cniVersion 1.1.0 or newer; config is " + c.cni_version);

    c.name = get_string(doc, "name");
    if (c.name.empty()) invalid("name", "is missing");
    if (!is_valid_identifier(c.name)) invalid("name", "\"" + c.name + "\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
    c.type = get_string(doc, "type");
    if (c.type.empty()) invalid("type", "is missing");
    c.capabilities = object_field(doc, "capabilities");
    c.runtime_config = object_field(doc, "runtimeConfig");
    c.args = object_field(doc, "args");
    c.ipam = object_field(doc, "ipam");
    if (auto it = doc.find("dns"); it != doc.end() && !it->is_null()) {
        auto d = dns_from_json(*it, "dns");
        if (!d.empty()) c.dns = std::move(d);
    }
    if (auto it = doc.find("prevResult"); it != doc.end() && !it->is_null()) {
        try {
            c.prev_result = result_from_json(*it, c.cni_version);
        } catch (const error& e) {
            throw error(code::decoding_failure, std::string("failed to decode prevResult: ") + e.what(), e.details());
        }
    }
    if (auto it = doc.find("cni.dev/valid-attachments"); it != doc.end() && !it->is_null()) {
        if (!it->is_array()) invalid("cni.dev/valid-attachments", "must be a list");
        for (const auto& a : *it) {
            if (!a.is_object()) invalid("cni.dev/valid-attachments", "entries must be objects");
            c.valid_attachments.push_back({get_string(a, "containerID"), get_string(a, "ifname")});
        }
    }
    c.log_file = get_string(doc, "logFile");
    c.log_level = get_string(doc, "logLevel");
    c.raw = std::move(doc);
    return c;
}

}  // namespace wharf::cni
