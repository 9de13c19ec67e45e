#include "cli/attachment_records.hpp"

#include "cni/owner_tag.hpp"
#include "sys/record_dir.hpp"
#include "sys/shared_state.hpp"
#include "sys/wanted_sysctls.hpp"

namespace wharf::cli {

using nlohmann::json;

json attachment_records(const std::string& network, const std::string& container_id, const std::string& ifname) {
    const std::string tag = cni::owner_tag(network, container_id, ifname);
    json out = json::object();
    for (const char* owner : {"bridge", "firewall"}) {
        const auto state = sys::shared_state::existing(owner);
        if (!state) continue;
        if (auto pieces = state->pieces_of(tag); !pieces.empty()) out[owner] = {{"pieces", pieces}};
    }
    if (const auto state = sys::shared_state::existing("portmap")) {
        if (const auto text = sys::record_dir(*state, "published").load(tag)) {
            json record = json::parse(*text, nullptr, false);
            out["portmap"] = record.is_discarded() ? json{{"unreadable", *text}} : record;
        }
    }
    const auto sysctls = sys::wanted_sysctls::here();
    for (const char* owner : {"bridge", "portmap"}) {
        json list = json::array();
        for (const auto& s : sysctls.of(owner, tag)) list.push_back(s.key + "=" + s.value);
        if (!list.empty()) out["sysctls"][owner] = list;
    }
    return out;
}

std::string records_summary(const json& records) {
    std::string out;
    auto part = [&](const std::string& text) { out += (out.empty() ? "" : "; ") + text; };
    for (const char* owner : {"bridge", "firewall"}) {
        if (!records.contains(owner)) continue;
        std::string pieces;
        for (const auto& p : records[owner]["pieces"]) pieces += (pieces.empty() ? "" : ", ") + p.get<std::string>();
        part(std::string(owner) + " pieces " + pieces);
    }
    if (records.contains("portmap")) {
        const json& r = records["portmap"];
        std::size_t ports = 0;
        if (r.contains("config") && r["config"].is_object()) {
            const json& rc = r["config"].value("runtimeConfig", json::object());
            if (rc.is_object() && rc.contains("portMappings") && rc["portMappings"].is_array()) ports = rc["portMappings"].size();
        }
        part("portmap record v" + (r.contains("version") ? r["version"].dump() : std::string("?")) + " (" +
             std::to_string(ports) + (ports == 1 ? " port)" : " ports)"));
    }
    if (records.contains("sysctls")) {
        std::string list;
        for (const auto& [owner, settings] : records["sysctls"].items())
            for (const auto& s : settings) list += (list.empty() ? "" : ", ") + s.get<std::string>();
        part("sysctls " + list);
    }
    return out.empty() ? "none" : out;
}

}  // namespace wharf::cli
