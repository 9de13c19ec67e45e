#include "cli/capability_args.hpp"

#include "cli/failure.hpp"
#include "cli/port_mapping.hpp"
#include "json/json.hpp"
#include "net/mac.hpp"
#include "net/prefix.hpp"

namespace wharf::cli {

using nlohmann::json;

std::vector<option_spec> capability_options() {
    return {
        {"-p", "--publish", true, "[IP:]HOST:CTR[/PROTO]", "publish a port, or a range pairwise (8080-8082:80-82) (capability portMappings); repeatable"},
        {"", "--ip", true, "ADDR", "ask for this address (capability ips); repeatable"},
        {"", "--mac", true, "MAC", "ask for this MAC address (capability mac)"},
        {"", "--cap", true, "KEY=JSON", "any other capability argument; repeatable"},
    };
}

json capability_args_from(const args& a, const char* cap_args_env) {
    json caps = json::object();
    if (cap_args_env && *cap_args_env) {
        caps = json::parse(cap_args_env, nullptr, false);
        if (caps.is_discarded() || !caps.is_object())
            throw failure(exit_code::usage, "CAP_ARGS is not a JSON object", "e.g. CAP_ARGS='{\"portMappings\":[...]}'");
    }
    for (const auto& p : a.values("--publish")) {
        if (!caps["portMappings"].is_array()) caps["portMappings"] = json::array();
        for (const auto& m : parse_port_mappings(p)) caps["portMappings"].push_back(to_json(m));
    }
    for (const auto& ip : a.values("--ip")) {
        bool ok = net::ip_address::parse(ip).has_value() || net::prefix::parse(ip).has_value();
        if (!ok) throw failure(exit_code::usage, "--ip " + ip + ": not an IP address");
        if (!caps["ips"].is_array()) caps["ips"] = json::array();
        caps["ips"].push_back(ip);
    }
    if (auto mac = a.value("--mac")) {
        if (!net::mac::parse(*mac)) throw failure(exit_code::usage, "--mac " + *mac + ": not a MAC address");
        caps["mac"] = *mac;
    }
    for (const auto& kv : a.values("--cap")) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) throw failure(exit_code::usage, "--cap " + kv + ": expected KEY=JSON");
        json v = json::parse(kv.substr(eq + 1), nullptr, false);
        if (v.is_discarded()) throw failure(exit_code::usage, "--cap " + kv + ": the value is not JSON");
        try {
            (void)json(kv.substr(0, eq)).dump();  // a key that is not UTF-8 could not be sent to a plugin
        } catch (const json::type_error&) {
            throw failure(exit_code::usage, "--cap " + kv + ": the key is not UTF-8 text");
        }
        caps[kv.substr(0, eq)] = v;
    }
    return caps;
}

}  // namespace wharf::cli
