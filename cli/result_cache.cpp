#include "cli/result_cache.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "base/base64.hpp"
#include "cli/files.hpp"

namespace wharf::cli {

using nlohmann::json;

namespace {
constexpr const char* cache_kind = "cniCacheV1";
}  // namespace

json to_json(const cache_entry& e) {
    json j = {{"kind", cache_kind},
              {"containerId", e.container_id},
              {"config", base64_encode(e.config)},
              {"ifName", e.ifname},
              {"networkName", e.network},
              {"result", e.result}};
    if (!e.netns.empty()) j["netns"] = e.netns;
    if (!e.cni_args.empty()) {
        json args = json::array();
        for (const auto& [k, v] : e.cni_args) args.push_back({k, v});
        j["cniArgs"] = args;
    }
    if (e.capability_args.is_object() && !e.capability_args.empty()) j["capabilityArgs"] = e.capability_args;
    return j;
}

std::optional<cache_entry> cache_entry_from_json(const json& j) {
    if (!j.is_object()) return std::nullopt;
    if (auto kind = j.find("kind"); kind == j.end() || !kind->is_string() || *kind != cache_kind) return std::nullopt;
    cache_entry e;
    auto str = [&](const char* key) {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    e.container_id = str("containerId");
    e.network = str("networkName");
    e.ifname = str("ifName");
    e.netns = str("netns");
    if (auto config = base64_decode(str("config"))) e.config = *config;
    if (auto it = j.find("cniArgs"); it != j.end() && it->is_array()) {
        for (const auto& pair : *it)
            if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
                e.cni_args.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
    if (auto it = j.find("capabilityArgs"); it != j.end() && it->is_object()) e.capability_args = *it;
    if (auto it = j.find("result"); it != j.end()) e.result = *it;
    return e;
}

std::string result_cache::path_of(const std::string& network, const std::string& container_id,
                                  const std::string& ifname) const {
    return dir_ + "/results/" + network + "-" + container_id + "-" + ifname;
}

void result_cache::store(const cache_entry& e) const {
    make_directories(dir_ + "/results", 0700);
    write_file_replacing(path_of(e.network, e.container_id, e.ifname), to_json(e).dump(), 0600);
}

std::optional<cache_entry> result_cache::load(const std::string& network, const std::string& container_id,
                                              const std::string& ifname) const {
    std::optional<std::string> data;
    try {
        data = read_file_if_exists(path_of(network, container_id, ifname));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!data) return std::nullopt;
    return cache_entry_from_json(json::parse(*data, nullptr, false));
}

bool result_cache::remove(const std::string& network, const std::string& container_id, const std::string& ifname) const {
    return remove_file_if_exists(path_of(network, container_id, ifname));
}

std::vector<cache_entry> result_cache::attachments(const std::string& container_id) const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir_ + "/results", ec)) names.push_back(f.path().filename());
    std::sort(names.begin(), names.end());
    std::vector<cache_entry> out;
    for (const auto& name : names) {
        if (name.find(".tmp.") != std::string::npos) continue;
        std::optional<std::string> data;
        try {
            data = read_file_if_exists(dir_ + "/results/" + name);
        } catch (const std::exception&) {
            continue;
        }
        if (!data) continue;
        auto e = cache_entry_from_json(json::parse(*data, nullptr, false));
        if (!e || e->ifname.empty() || e->network.empty()) continue;
        if (!container_id.empty() && e->container_id != container_id) continue;
        out.push_back(std::move(*e));
    }
    return out;
}

}  // namespace wharf::cli
