#include "cli/port_mapping.hpp"

#include <charconv>
#include <vector>

#include "cli/failure.hpp"
#include "json/json.hpp"
#include "net/ip_address.hpp"

namespace wharf::cli {

namespace {

[[noreturn]] void bad(const std::string& text, const std::string& why) {
    throw failure(exit_code::usage, "invalid port mapping \"" + text + "\": " + why,
                  "write HOST_PORT:CONTAINER_PORT[/PROTO] or HOST_IP:HOST_PORT:CONTAINER_PORT[/PROTO], e.g. 8080:80/tcp");
}

std::uint16_t parse_port(const std::string& text, const std::string& part) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || v == 0 || v > 65535)
        bad(text, "\"" + part + "\" is not a port number (1-65535)");
    return static_cast<std::uint16_t>(v);
}

}  // namespace

port_mapping parse_port_mapping(const std::string& text) {
    port_mapping m;
    std::string rest = text;
    if (auto slash = rest.rfind('/'); slash != std::string::npos) {
        m.protocol = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (m.protocol != "tcp" && m.protocol != "udp" && m.protocol != "sctp") bad(text, "protocol must be tcp, udp or sctp");
    }
    // HOST_IP may be IPv6 in brackets: [::1]:8080:80
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') bad(text, "unbalanced [ ]");
        m.host_ip = rest.substr(1, close - 1);
        rest = rest.substr(close + 2);
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        auto colon = rest.find(':', start);
        parts.push_back(rest.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (parts.size() == 3 && m.host_ip.empty()) {
        m.host_ip = parts[0];
        parts.erase(parts.begin());
    }
    if (parts.size() != 2) bad(text, "expected HOST_PORT:CONTAINER_PORT");
    if (!m.host_ip.empty() && !net::ip_address::parse(m.host_ip)) bad(text, "\"" + m.host_ip + "\" is not an IP address");
    m.host_port = parse_port(text, parts[0]);
    m.container_port = parse_port(text, parts[1]);
    return m;
}

nlohmann::json to_json(const port_mapping& m) {
    nlohmann::json j = {{"hostPort", m.host_port}, {"containerPort", m.container_port}, {"protocol", m.protocol}};
    if (!m.host_ip.empty()) j["hostIP"] = m.host_ip;
    return j;
}

port_mapping port_mapping_from_json(const nlohmann::json& j) {
    port_mapping m;
    m.host_port = j.value("hostPort", std::uint16_t{0});
    m.container_port = j.value("containerPort", std::uint16_t{0});
    m.protocol = j.value("protocol", std::string("tcp"));
    m.host_ip = j.value("hostIP", std::string());
    return m;
}

std::string to_string(const port_mapping& m) {
    std::string ip = m.host_ip.empty() ? "0.0.0.0" : m.host_ip;
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    return ip + ":" + std::to_string(m.host_port) + "->" + std::to_string(m.container_port) + "/" + m.protocol;
}

}  // namespace wharf::cli
