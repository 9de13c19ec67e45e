#include "cli/result_view.hpp"

#include "json/json.hpp"

namespace wharf::cli {

using nlohmann::json;

std::vector<std::string> sandbox_addresses(const json& result) {
    std::vector<std::string> out;
    if (!result.is_object() || !result.contains("ips") || !result["ips"].is_array()) return out;
    json ifaces = result.value("interfaces", json::array());
    for (const auto& ip : result["ips"]) {
        if (ip.contains("interface") && ip["interface"].is_number_integer()) {
            auto i = ip["interface"].get<long long>();
            if (i >= 0 && static_cast<std::size_t>(i) < ifaces.size() &&
                ifaces[static_cast<std::size_t>(i)].value("sandbox", std::string()).empty())
                continue;
        }
        if (ip.contains("address") && ip["address"].is_string()) out.push_back(ip["address"].get<std::string>());
    }
    return out;
}

std::vector<std::string> host_interfaces(const json& result) {
    std::vector<std::string> out;
    if (!result.is_object()) return out;
    for (const auto& i : result.value("interfaces", json::array()))
        if (i.value("sandbox", std::string()).empty() && i.contains("name")) out.push_back(i["name"].get<std::string>());
    return out;
}

std::string first_gateway(const json& result) {
    if (!result.is_object()) return {};
    for (const auto& ip : result.value("ips", json::array()))
        if (ip.contains("gateway") && ip["gateway"].is_string()) return ip["gateway"].get<std::string>();
    return {};
}

}  // namespace wharf::cli
