#include "owner_record.hpp"

#include "json/json.hpp"

namespace wharf::ipam {

std::string format_owner_record(const owner_record& r) {
    nlohmann::json doc = {{"version", owner_record_version}, {"containerId", r.container_id}, {"ifname", r.ifname}};
    netns::put_fields(doc, r.origin);
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<owner_record> parse_owner_record(std::string_view text) {
    const auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    const auto version = doc.find("version");
    if (version == doc.end() || *version != owner_record_version) return std::nullopt;
    owner_record r;
    for (auto [key, field] : {std::pair{"containerId", &r.container_id}, {"ifname", &r.ifname}}) {
        const auto it = doc.find(key);
        if (it == doc.end() || !it->is_string()) return std::nullopt;
        *field = it->get<std::string>();
    }
    const auto path = doc.find("netns");
    if (r.container_id.empty() || path == doc.end() || !path->is_string()) return std::nullopt;
    r.origin = netns::get_fields(doc);
    return r;
}

}  // namespace wharf::ipam
