#pragma once
// The network configuration a plugin reads on stdin: the keys every plugin shares.
// Each plugin parses its own keys from `raw`.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/env.hpp"
#include "cni/result.hpp"

namespace wharf::cni {

struct attachment {
    std::string container_id;
    std::string ifname;
    friend bool operator==(const attachment&, const attachment&) = default;
};

struct net_conf {
    std::string cni_version;
    std::string name;
    std::string type;
    nlohmann::json capabilities = nlohmann::json::object();
    nlohmann::json runtime_config = nlohmann::json::object();  // "runtimeConfig"
    nlohmann::json args = nlohmann::json::object();            // "args"
    nlohmann::json ipam = nlohmann::json::object();            // "ipam" (object; may be empty)
    std::optional<dns_config> dns;                             // "dns", when present and non-empty
    std::optional<result> prev_result;                         // "prevResult", read in cni_version's shape
    std::vector<attachment> valid_attachments;                 // "cni.dev/valid-attachments" (GC)
    std::string log_file;   // "logFile"
    std::string log_level;  // "logLevel"
    nlohmann::json raw;     // the whole document
};

// Parses stdin. Not JSON: code 6. Missing/invalid name or type, wrong types of shared keys: code 7
// naming the key. Unsupported cniVersion: code 1. An empty cniVersion means 0.1.0, as libcni reads it.
// CHECK needs 0.4.0 or newer, STATUS and GC 1.1.0 or newer (else code 1).
net_conf parse_net_conf(std::string_view stdin_data, command cmd);

// JSON key helpers for plugin config parsers: each throws code 7 naming the key and the bad value
// when the key is present with the wrong type, and returns the fallback when it is absent or null.
bool get_bool(const nlohmann::json& obj, const char* key, bool fallback);
std::string get_string(const nlohmann::json& obj, const char* key, const std::string& fallback = {});
long long get_int(const nlohmann::json& obj, const char* key, long long fallback, long long min, long long max);

}  // namespace wharf::cni
