#include "cli/runtime.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "cli/plugin_exec.hpp"
#include "cni/env.hpp"
#include "cni/error.hpp"
#include "cni/invoke_args.hpp"
#include "cni/invoke_exec.hpp"
#include "cni/invoke_find.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"

namespace wharf::cli {

using nlohmann::json;

namespace {

std::string describe(const json& plugin) {
    std::string d = "type=\"" + plugin_type(plugin) + "\"";
    if (auto n = plugin.find("name"); n != plugin.end() && n->is_string() && !n->get<std::string>().empty())
        d += " name=\"" + n->get<std::string>() + "\"";
    return d;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

void validate_runtime_conf(const network_list& list, const runtime_conf& rt) {
    if (!cni::is_valid_identifier(rt.container_id))
        throw failure(exit_code::usage, "invalid container ID \"" + rt.container_id + "\"",
                      "container IDs are letters, digits, '_', '.' and '-', starting with a letter or digit");
    if (!cni::is_valid_identifier(list.name))
        throw failure(exit_code::invalid_config, "invalid network name \"" + list.name + "\" in " + list.file);
    if (auto problem = cni::interface_name_problem(rt.ifname); !problem.empty())
        throw failure(exit_code::usage, "invalid interface name \"" + rt.ifname + "\": " + problem);
}

}  // namespace

plugin_failure::plugin_failure(const std::string& description, const std::string& command, unsigned cni_code,
                               const std::string& msg, const std::string& details)
    : failure(exit_code::failed,
              "plugin " + description + " failed (" + lower(command) + "): " + msg + (details.empty() ? "" : "; " + details) +
                  " [CNI error " + std::to_string(cni_code) + "]"),
      cni_code_(cni_code) {}

json build_plugin_conf(const json& plugin, const std::string& name, const std::string& version, const json* prev_result,
                       const json& capability_args) {
    json conf = plugin;
    conf["name"] = name;
    conf["cniVersion"] = version;
    if (prev_result && !prev_result->is_null()) conf["prevResult"] = *prev_result;
    json rc = json::object();
    if (const json caps = plugin_capabilities(plugin); capability_args.is_object()) {
        for (const auto& [capability, supported] : caps.items()) {
            if (!supported.is_boolean() || !supported.get<bool>()) continue;
            if (auto arg = capability_args.find(capability); arg != capability_args.end()) rc[capability] = *arg;
        }
    }
    if (!rc.empty()) conf["runtimeConfig"] = rc;
    return conf;
}

std::optional<std::string> negotiate_version(const std::string& wanted, const std::vector<std::vector<std::string>>& supported) {
    auto has = [](const std::vector<std::string>& list, const std::string& v) {
        return std::find(list.begin(), list.end(), v) != list.end();
    };
    if (std::all_of(supported.begin(), supported.end(), [&](const auto& l) { return has(l, wanted); })) return wanted;
    auto wanted_sv = cni::parse_semver(wanted.empty() ? "0.1.0" : wanted);
    if (!wanted_sv) return std::nullopt;
    std::optional<std::string> best;
    for (auto candidate : cni::supported_versions) {
        std::string c(candidate);
        if (*cni::parse_semver(c) > *wanted_sv) continue;
        if (!std::all_of(supported.begin(), supported.end(), [&](const auto& l) { return has(l, c); })) continue;
        if (!best || *cni::parse_semver(c) > *cni::parse_semver(*best)) best = c;
    }
    return best;
}

json convert_result(const json& result, const std::string& version) {
    std::string from = result.value("cniVersion", version);
    return cni::to_json(cni::result_from_json(result, from), version);
}

runtime::runtime(runtime_options options)
    : options_(std::move(options)), cache_(options_.cache_dir), version_cache_(options_.cache_dir) {}

std::string runtime::find_plugin(const std::string& type) const {
    if (!cni::is_plugin_name(type)) throw failure(exit_code::invalid_config, "invalid plugin type \"" + type + "\"");
    if (auto binary = cni::find_in_path(type, options_.path)) return *binary;
    throw failure(exit_code::not_found,
                  "failed to find plugin \"" + type + "\" in path [" + cni::join_cni_path(options_.path) + "]",
                  "set CNI_PATH to the directory holding the plugin binaries");
}

std::vector<std::string> runtime::supported_versions(const std::string& binary) {
    if (auto it = versions_.find(binary); it != versions_.end()) return it->second;
    struct stat st {};
    const bool known_file = ::stat(binary.c_str(), &st) == 0;
    if (known_file) {
        if (auto cached = version_cache_.find(binary, st)) return versions_[binary] = *cached;
    }
    plugin_call call{.command = "VERSION", .path = options_.path, .own_process_group = options_.own_process_group};
    auto o = exec_plugin(binary, call, json{{"cniVersion", std::string(cni::latest_version)}}.dump());
    std::vector<std::string> out;
    json j = json::parse(o.out, nullptr, false);
    if (o.exit_code == 0 && j.is_object() && j.contains("supportedVersions") && j["supportedVersions"].is_array()) {
        for (const auto& v : j["supportedVersions"])
            if (v.is_string()) out.push_back(v.get<std::string>());
    } else {
        // A plugin too old to answer VERSION speaks the versions before it existed.
        out = {"0.1.0", "0.2.0"};
    }
    if (known_file && o.exit_code == 0) version_cache_.store(binary, st, out);
    versions_[binary] = out;
    return out;
}

std::string runtime::chain_version(const network_list& list) {
    std::string wanted = list.cni_version.empty() ? "0.1.0" : list.cni_version;
    if (!options_.negotiate_version) return wanted;
    if (auto it = chain_versions_.find(list.name); it != chain_versions_.end()) return it->second;
    std::vector<std::vector<std::string>> supported;
    std::string summary;
    for (const auto& plugin : list.plugins) {
        std::string type = plugin_type(plugin);
        auto versions = supported_versions(find_plugin(type));
        summary += fmt::format("; {} supports {}", type, fmt::join(versions, ", "));
        supported.push_back(std::move(versions));
    }
    auto v = negotiate_version(wanted, supported);
    if (!v)
        throw failure(exit_code::invalid_config,
                      "the plugins of network \"" + list.name + "\" share no spec version up to " + wanted + summary,
                      "use plugins that speak a common version, or lower the list's cniVersion");
    chain_versions_[list.name] = *v;
    return *v;
}

std::string runtime::invoke(const json& plugin, const std::string& command, const json& conf, const runtime_conf* rt) {
    std::string binary = find_plugin(plugin_type(plugin));
    plugin_call call{.command = command, .path = options_.path, .own_process_group = options_.own_process_group};
    if (rt) {
        call.container_id = rt->container_id;
        call.netns = rt->netns;
        call.ifname = rt->ifname;
        call.args = rt->args;
    }
    auto o = exec_plugin(binary, call, conf.dump());
    if (o.exit_code == 0) return o.out;
    if (auto err = cni::decode_error(o.out))
        throw plugin_failure(describe(plugin), command, err->code, err->msg.value_or(""), err->details.value_or(""));
    std::string out = o.out.substr(0, 400);
    throw plugin_failure(describe(plugin), command, 999,
                         "exited with status " + std::to_string(o.exit_code) + (out.empty() ? "" : ": " + out), "");
}

std::optional<json> runtime::cached_result(const network_list& list, const runtime_conf& rt, const std::string& version,
                                           bool tolerate_bad) {
    auto entry = cache_.load(list.name, rt.container_id, rt.ifname);
    if (!entry || entry->result.is_null()) return std::nullopt;
    try {
        return convert_result(entry->result, version);
    } catch (const cni::error& e) {
        if (tolerate_bad) return std::nullopt;
        throw failure(exit_code::failed, "failed to convert cached result of network \"" + list.name + "\" to config version \"" +
                                             version + "\": " + e.what());
    }
}

json runtime::add(const network_list& list, const runtime_conf& rt) {
    validate_runtime_conf(list, rt);
    std::string version = chain_version(list);
    json result;
    for (const auto& plugin : list.plugins) {
        json conf = build_plugin_conf(plugin, list.name, version, result.is_null() ? nullptr : &result, rt.capability_args);
        std::string out = invoke(plugin, "ADD", conf, &rt);
        result = json::parse(out, nullptr, false);
        if (result.is_discarded())
            throw plugin_failure(describe(plugin), "ADD", 6, "returned a result that is not JSON", out.substr(0, 400));
    }
    cache_.store({.container_id = rt.container_id,
                  .network = list.name,
                  .ifname = rt.ifname,
                  .config = list.bytes,
                  .netns = rt.netns,
                  .cni_args = rt.args,
                  .capability_args = rt.capability_args,
                  .result = result});
    return result;
}

void runtime::check(const network_list& list, const runtime_conf& rt) {
    std::string version = chain_version(list);
    if (!cni::version_at_least(version, "0.4.0"))
        throw failure(exit_code::failed, "configuration version \"" + version + "\" does not support the CHECK command");
    if (list.disable_check) return;
    auto prev = cached_result(list, rt, version, false);
    for (const auto& plugin : list.plugins) {
        json conf = build_plugin_conf(plugin, list.name, version, prev ? &*prev : nullptr, rt.capability_args);
        invoke(plugin, "CHECK", conf, &rt);
    }
}

void runtime::del(const network_list& list, const runtime_conf& rt) {
    std::string version = chain_version(list);
    std::optional<json> prev;
    if (cni::version_at_least(version, "0.4.0")) {
        prev = cached_result(list, rt, version, true);
        if (!prev) cache_.remove(list.name, rt.container_id, rt.ifname);
    }
    for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it) {
        json conf = build_plugin_conf(*it, list.name, version, prev ? &*prev : nullptr, rt.capability_args);
        invoke(*it, "DEL", conf, &rt);
    }
    cache_.remove(list.name, rt.container_id, rt.ifname);
}

void runtime::gc(const network_list& list, const std::vector<gc_attachment>& valid) {
    std::vector<std::string> errors;
    for (const auto& entry : cache_.attachments()) {
        if (entry.network != list.name) continue;
        bool keep = std::any_of(valid.begin(), valid.end(), [&](const gc_attachment& a) {
            return a.container_id == entry.container_id && a.ifname == entry.ifname;
        });
        if (keep) continue;
        runtime_conf rt{.container_id = entry.container_id, .netns = entry.netns, .ifname = entry.ifname,
                        .args = entry.cni_args, .capability_args = entry.capability_args};
        try {
            del(list, rt);
        } catch (const failure& e) {
            errors.push_back("failed to delete stale attachment " + entry.container_id + " " + entry.ifname + ": " + e.what());
        }
    }
    std::string version = chain_version(list);
    if (!list.disable_gc && cni::version_at_least(version, "1.1.0")) {
        json attachments = json::array();
        for (const auto& a : valid) attachments.push_back({{"containerID", a.container_id}, {"ifname", a.ifname}});
        for (const auto& plugin : list.plugins) {
            json conf = plugin;
            conf["name"] = list.name;
            conf["cniVersion"] = version;
            conf["cni.dev/valid-attachments"] = attachments;
            try {
                invoke(plugin, "GC", conf, nullptr);
            } catch (const failure& e) {
                errors.push_back(std::string("failed to GC plugin ") + plugin_type(plugin) + ": " + e.what());
            }
        }
    }
    if (!errors.empty()) {
        throw failure(exit_code::failed, fmt::format("{}", fmt::join(errors, "\n")));
    }
}

void runtime::status(const network_list& list) {
    std::string version = chain_version(list);
    if (!cni::version_at_least(version, "1.1.0")) return;
    for (const auto& plugin : list.plugins) {
        json conf = plugin;
        conf["name"] = list.name;
        conf["cniVersion"] = version;
        invoke(plugin, "STATUS", conf, nullptr);
    }
}

}  // namespace wharf::cli
