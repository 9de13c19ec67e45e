#pragma once
// Published ports as `docker run -p` writes them, turned into the "portMappings" capability argument
// the portmap plugin reads: [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp|sctp], where each port may be a
// range FIRST-LAST (8080-8082:80-82 publishes three ports, pairwise, as Docker does).
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace wharf::cli {

struct port_mapping {
    std::uint16_t host_port = 0;
    std::uint16_t container_port = 0;
    std::string protocol = "tcp";
    std::string host_ip;  // empty: every address
    friend bool operator==(const port_mapping&, const port_mapping&) = default;
};

// One mapping per port of the range. Throws failure(usage) with the accepted forms.
std::vector<port_mapping> parse_port_mappings(const std::string& text);
// {"hostPort","containerPort","protocol","hostIP"?}
nlohmann::json to_json(const port_mapping& m);
// Throws failure(failed) when `j` is not an object or a key has the wrong type (a cached entry).
port_mapping port_mapping_from_json(const nlohmann::json& j);
std::string to_string(const port_mapping& m);  // "0.0.0.0:8080->80/tcp", as docker ps shows it

}  // namespace wharf::cli
