#pragma once
// The network configuration a plugin reads on stdin: the keys every plugin shares.
// Each plugin parses its own keys from `raw` into its own typed config. The JSON members are
// cni::json_value, so this header costs its includers no nlohmann/json.
#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/env.hpp"
#include "cni/json_value.hpp"
#include "cni/result.hpp"
#include "net/mac.hpp"

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
    json_value capabilities;                    // "capabilities" (these four: objects, empty if absent)
    json_value runtime_config;                  // "runtimeConfig"
    json_value args;                            // "args"
    json_value ipam;                            // "ipam"
    std::optional<dns_config> dns;              // "dns", when present and non-empty
    std::optional<result> prev_result;          // "prevResult", read in cni_version's shape
    std::vector<attachment> valid_attachments;  // "cni.dev/valid-attachments" (GC)
    std::string log_file;   // "logFile"
    std::string log_level;  // "logLevel"
    // DEL only: per-request input (runtimeConfig, args, prevResult) it could not read and went on
    // without, one line each; plugin_main logs them once logging is configured.
    std::vector<std::string> ignored;
    json_value raw;         // the whole document
};

// Parses stdin. Keys are matched as the reference plugins match them (cni/json_field.hpp).
// Not JSON: code 6. Missing/invalid name or type, wrong types of shared keys: code 7
// naming the key. Unsupported cniVersion: code 1. An empty cniVersion means 0.1.0, as libcni reads it.
// CHECK needs 0.4.0 or newer, STATUS and GC 1.1.0 or newer (else code 1). On DEL, a runtimeConfig,
// args or prevResult that cannot be read is left empty and recorded in `ignored`, never an error:
// DEL removes what the attachment owns, and failing it would block the rest of the chain's cleanup.
net_conf parse_net_conf(std::string_view stdin_data, command cmd);

// JSON key helpers for plugin config parsers (keys matched as cni::find_field does): each throws
// code 7 naming the key and the bad value when the key is present with the wrong type, and returns
// the fallback when it is absent or null.
bool get_bool(const nlohmann::json& obj, const char* key, bool fallback);
std::string get_string(const nlohmann::json& obj, const char* key, const std::string& fallback = {});
long long get_int(const nlohmann::json& obj, const char* key, long long fallback, long long min, long long max);

// The one shape of a bad key's error: code 7, "invalid network config: <key> <why>", the key in details.
[[noreturn]] void invalid_key(const std::string& key, const std::string& why);
// A MAC address from config or per-request input (`key` names where it came from): code 7 naming
// `key` and the text when it is malformed, multicast or all zero.
net::mac parse_mac(const std::string& key, const std::string& text);

// Reads per-request input (from runtimeConfig, args, prevResult or CNI_ARGS) with `read`. On DEL,
// a cni::error from it is swallowed, since DEL needs none of it to remove what the attachment owns:
// try_per_request returns "<what>: <error>", read_per_request logs that as a warning and returns
// false. On any other command the error propagates.
std::optional<std::string> try_per_request(command cmd, std::string_view what, const std::function<void()>& read);
bool read_per_request(command cmd, std::string_view what, const std::function<void()>& read);

}  // namespace wharf::cni
