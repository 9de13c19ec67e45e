#include "record.hpp"

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "json/json.hpp"
#include "sys/record_dir.hpp"

namespace wharf::portmap {

namespace {

sys::record_dir records(const sys::shared_state& state) { return sys::record_dir(state, "published"); }

}  // namespace

void save_record(const sys::shared_state& state, const std::string& tag, const attachment_record& record) {
    nlohmann::json doc = {{"version", record_version},
                          {"containerId", record.container_id},
                          {"ifname", record.ifname},
                          {"config", nlohmann::json::parse(record.config)}};
    netns::put_fields(doc, record.origin);
    doc["netns"] = record.netns;
    records(state).save(tag, doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::optional<attachment_record> load_record(const sys::shared_state& state, const std::string& tag) {
    const auto text = records(state).load(tag);
    if (!text) return std::nullopt;
    const auto doc = nlohmann::json::parse(*text, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    const auto version = doc.find("version");
    if (version == doc.end() || *version != record_version) return std::nullopt;
    attachment_record r;
    for (auto [key, field] : {std::pair{"containerId", &r.container_id}, {"ifname", &r.ifname}, {"netns", &r.netns}}) {
        const auto it = doc.find(key);
        if (it == doc.end() || !it->is_string()) return std::nullopt;
        *field = it->get<std::string>();
    }
    const auto config = doc.find("config");
    if (config == doc.end() || !config->is_object()) return std::nullopt;
    r.config = config->dump();
    r.origin = netns::get_fields(doc);
    return r;
}

void drop_record(const sys::shared_state& state, const std::string& tag) { records(state).drop(tag); }

std::vector<std::string> record_tags(const sys::shared_state& state) { return records(state).tags(); }

portmap_conf recorded_conf(const attachment_record& r) {
    cni::request req;
    req.cmd = cni::command::add;
    req.container_id = r.container_id;
    req.ifname = r.ifname;
    req.netns = r.netns;
    return parse_portmap_conf(cni::parse_net_conf(r.config, cni::command::add), req);
}

}  // namespace wharf::portmap
