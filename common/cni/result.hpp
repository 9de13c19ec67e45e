#pragma once
// cni::result: ONE internal model (the newest spec, 1.1.0) and conversion to and from the JSON of
// every spec version (1.1.0, 1.0.0, 0.4.0, 0.3.1, 0.3.0, 0.2.0, 0.1.0) at the edges. Only the JSON
// type is declared here: code that converts includes "json/json.hpp" itself.
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"

namespace wharf::cni {

struct interface_entry {
    std::string name;
    std::string mac;
    std::optional<int> mtu;   // 1.1.0
    std::string sandbox;      // netns path for container interfaces; empty on the host
    std::string socket_path;  // 1.1.0
    std::string pci_id;       // 1.1.0
    friend bool operator==(const interface_entry&, const interface_entry&) = default;
};

struct ip_config {
    net::prefix address;                  // host address with prefix length, e.g. 10.1.2.3/24
    std::optional<net::ip_address> gateway;
    std::optional<int> interface;         // index into result::interfaces
    friend bool operator==(const ip_config&, const ip_config&) = default;
};

struct route {
    net::prefix dst;
    std::optional<net::ip_address> gw;
    std::optional<int> mtu, advmss, priority, table, scope;  // 1.1.0
    friend bool operator==(const route&, const route&) = default;
};

struct dns_config {
    std::vector<std::string> nameservers;
    std::string domain;
    std::vector<std::string> search;
    std::vector<std::string> options;
    bool empty() const noexcept { return nameservers.empty() && domain.empty() && search.empty() && options.empty(); }
    friend bool operator==(const dns_config&, const dns_config&) = default;
};

struct result {
    std::string cni_version{"1.1.0"};
    std::vector<interface_entry> interfaces;
    std::vector<ip_config> ips;
    std::vector<route> routes;
    dns_config dns;
    friend bool operator==(const result&, const result&) = default;
};

// Renders `r` in the JSON shape of `version` (which must be supported). Fields the version lacks are
// dropped (0.1.0/0.2.0 keep the first IPv4 and first IPv6 address only).
nlohmann::json to_json(const result& r, std::string_view version);
// Reads a result written in the shape of `version`. Throws cni::error code 6 (decoding_failure)
// naming the field for malformed input.
result result_from_json(const nlohmann::json& j, std::string_view version);

// Parses a DNS object ({"nameservers","domain","search","options"}); throws code 7 naming the key.
dns_config dns_from_json(const nlohmann::json& j, std::string_view key_for_errors = "dns");
nlohmann::json dns_to_json(const dns_config& d);

}  // namespace wharf::cni
