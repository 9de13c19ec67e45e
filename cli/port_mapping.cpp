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
                  "write [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTO], each port a number or a range FIRST-LAST, "
                  "e.g. 8080:80/tcp, 127.0.0.1:8080-8082:80-82/udp");
}

std::uint16_t parse_port(const std::string& text, const std::string& part) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || v == 0 || v > 65535)
        bad(text, "\"" + part + "\" is not a port number (1-65535)");
    return static_cast<std::uint16_t>(v);
}

struct port_range {
    std::uint16_t first = 0, last = 0;
    unsigned size() const { return static_cast<unsigned>(last - first) + 1; }
};

// A port (80) or a range (80-82), as Docker writes them.
port_range parse_ports(const std::string& text, const std::string& part) {
    const auto dash = part.find('-');
    if (dash == std::string::npos) {
        const auto port = parse_port(text, part);
        return {port, port};
    }
    port_range r{parse_port(text, part.substr(0, dash)), parse_port(text, part.substr(dash + 1))};
    if (r.last < r.first) bad(text, "the range \"" + part + "\" ends before it starts");
    return r;
}

}  // namespace

std::vector<port_mapping> parse_port_mappings(const std::string& text) {
    std::string protocol = "tcp", host_ip, rest = text;
    if (auto slash = rest.rfind('/'); slash != std::string::npos) {
        protocol = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") bad(text, "protocol must be tcp, udp or sctp");
    }
    // HOST_IP may be IPv6 in brackets: [::1]:8080:80
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') bad(text, "unbalanced [ ]");
        host_ip = rest.substr(1, close - 1);
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
    if (parts.size() == 3 && host_ip.empty()) {
        host_ip = parts[0];
        parts.erase(parts.begin());
    }
    if (parts.size() != 2) bad(text, "expected HOST_PORT:CONTAINER_PORT");
    if (!host_ip.empty() && !net::ip_address::parse(host_ip)) bad(text, "\"" + host_ip + "\" is not an IP address");
    const port_range host = parse_ports(text, parts[0]), container = parse_ports(text, parts[1]);
    if (host.size() != container.size())
        bad(text, "the host ports (" + std::to_string(host.size()) + ") and the container ports (" +
                      std::to_string(container.size()) + ") must be as many");
    std::vector<port_mapping> out;
    for (unsigned i = 0; i < host.size(); ++i)
        out.push_back({.host_port = static_cast<std::uint16_t>(host.first + i),
                       .container_port = static_cast<std::uint16_t>(container.first + i),
                       .protocol = protocol,
                       .host_ip = host_ip});
    return out;
}

nlohmann::json to_json(const port_mapping& m) {
    nlohmann::json j = {{"hostPort", m.host_port}, {"containerPort", m.container_port}, {"protocol", m.protocol}};
    if (!m.host_ip.empty()) j["hostIP"] = m.host_ip;
    return j;
}

port_mapping port_mapping_from_json(const nlohmann::json& j) {
    port_mapping m;
    try {
        m.host_port = j.value("hostPort", std::uint16_t{0});
        m.container_port = j.value("containerPort", std::uint16_t{0});
        m.protocol = j.value("protocol", std::string("tcp"));
        m.host_ip = j.value("hostIP", std::string());
    } catch (const nlohmann::json::type_error&) {  // a key of the wrong type, or not an object
        throw failure(exit_code::failed, "malformed port mapping " + j.dump());
    }
    return m;
}

std::string to_string(const port_mapping& m) {
    std::string ip = m.host_ip.empty() ? "0.0.0.0" : m.host_ip;
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    return ip + ":" + std::to_string(m.host_port) + "->" + std::to_string(m.container_port) + "/" + m.protocol;
}

}  // namespace wharf::cli
