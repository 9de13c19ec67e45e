#include "cli/sandbox_state.hpp"

#include <algorithm>
#include <filesystem>

#include "cli/failure.hpp"
#include "cli/files.hpp"

namespace wharf::cli {

using nlohmann::json;

std::string to_string(net_mode m) {
    switch (m) {
    case net_mode::network: return "network";
    case net_mode::none: return "none";
    case net_mode::host: return "host";
    case net_mode::container: return "container";
    }
    return "?";
}

namespace {
net_mode mode_from_string(const std::string& s) {
    for (auto m : {net_mode::network, net_mode::none, net_mode::host, net_mode::container})
        if (to_string(m) == s) return m;
    throw failure(exit_code::failed, "sandbox record: unknown mode \"" + s + "\"");
}
}  // namespace

json to_json(const sandbox_record& r) {
    json attachments = json::array();
    for (const auto& a : r.attachments) {
        json args = json::array();
        for (const auto& [k, v] : a.cni_args) args.push_back({k, v});
        attachments.push_back({{"network", a.network}, {"ifname", a.ifname}, {"capabilityArgs", a.capability_args}, {"cniArgs", args}});
    }
    return {{"name", r.name}, {"containerId", r.container_id}, {"mode", to_string(r.mode)}, {"netns", r.netns},
            {"ownsNetns", r.owns_netns}, {"joined", r.joined}, {"attachments", attachments}};
}

sandbox_record sandbox_record_from_json(const json& j) {
    try {
        sandbox_record r;
        r.name = j.at("name").get<std::string>();
        r.container_id = j.at("containerId").get<std::string>();
        r.mode = mode_from_string(j.at("mode").get<std::string>());
        r.netns = j.value("netns", std::string());
        r.owns_netns = j.value("ownsNetns", false);
        r.joined = j.value("joined", std::string());
        for (const auto& a : j.value("attachments", json::array())) {
            attachment_record ar{.network = a.at("network").get<std::string>(), .ifname = a.at("ifname").get<std::string>()};
            ar.capability_args = a.value("capabilityArgs", json::object());
            for (const auto& p : a.value("cniArgs", json::array())) ar.cni_args.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
            r.attachments.push_back(std::move(ar));
        }
        return r;
    } catch (const json::exception& e) {
        throw failure(exit_code::failed, std::string("malformed sandbox record: ") + e.what());
    }
}

void sandbox_store::save(const sandbox_record& r) const {
    make_directories(dir_, 0700);
    write_file_replacing(path_of(r.name), to_json(r).dump(2) + "\n", 0600);
}

std::optional<sandbox_record> sandbox_store::find(const std::string& name) const {
    auto data = read_file_if_exists(path_of(name));
    if (!data) return std::nullopt;
    json j = json::parse(*data, nullptr, false);
    if (j.is_discarded()) throw failure(exit_code::failed, "sandbox record \"" + path_of(name) + "\" is not JSON");
    return sandbox_record_from_json(j);
}

sandbox_record sandbox_store::get(const std::string& name) const {
    auto r = find(name);
    if (!r) throw failure(exit_code::not_found, "no sandbox named \"" + name + "\"", "`wharf sandbox ls` lists them");
    return *r;
}

bool sandbox_store::remove(const std::string& name) const { return remove_file_if_exists(path_of(name)); }

std::vector<sandbox_record> sandbox_store::list() const {
    std::vector<sandbox_record> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
        auto p = e.path();
        if (p.extension() != ".json") continue;
        try {
            if (auto r = find(p.stem().string())) out.push_back(std::move(*r));
        } catch (const failure&) {
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

}  // namespace wharf::cli
