#include "kube/node_status.hpp"

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "json/json.hpp"
#include "log/logging.hpp"

namespace wharf::kube {

namespace {

// Now as Kubernetes writes times: RFC 3339 in UTC, whole seconds ("2026-12-02T14:46:21Z").
std::string now_rfc3339() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// A node name as one path segment: Kubernetes names are DNS subdomains, anything else is refused.
void check_name(const std::string& name) {
    if (name.empty() || name.size() > 253 || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") != std::string::npos)
        throw std::invalid_argument("\"" + name + "\" is not a valid node name");
}

}  // namespace

void set_network_available(client& api, const std::string& node_name, const std::string& reason, const std::string& message) {
    check_name(node_name);
    const std::string now = now_rfc3339();
    const nlohmann::json patch = {
        {"status",
         {{"conditions", nlohmann::json::array({{{"type", "NetworkUnavailable"},
                                                 {"status", "False"},
                                                 {"reason", reason},
                                                 {"message", message},
                                                 {"lastTransitionTime", now},
                                                 {"lastHeartbeatTime", now}}})}}}};
    api.patch("/api/v1/nodes/" + node_name + "/status", patch.dump(), "application/strategic-merge-patch+json");
    log::info("kube: node {}: NetworkUnavailable set to False ({})", node_name, reason);
}

}  // namespace wharf::kube
