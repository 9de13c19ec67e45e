#pragma once
// host-local's configuration: the "ipam" object of the network config (keys of the reference plugin),
// plus the request's runtimeConfig ("ips", "ipRanges"), args.cni.ips and CNI_ARGS IP=.
#include <string>
#include <vector>

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "cni/result.hpp"
#include "net/ip_address.hpp"
#include "range_set.hpp"

namespace wharf::ipam {

inline constexpr const char* default_data_dir = "/var/lib/cni/networks";

struct ipam_conf {
    std::string network;   // the network's name, validated as a path component
    std::string data_dir;  // "dataDir"
    std::vector<range_set> range_sets;  // runtimeConfig.ipRanges, then legacy subnet, then "ranges"
    std::vector<std::string> set_keys;  // where each set came from, e.g. "ipam.ranges[1]", for messages
    std::vector<cni::route> routes;     // "routes"
    std::string resolv_conf;            // "resolvConf": a resolv.conf path, read on ADD
    std::vector<net::ip_address> requested;  // CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips

    std::string store_dir() const { return data_dir + "/" + network; }
};

// Throws cni::error 7 naming the key and the value for every problem. Requested addresses are read only
// when `with_requests` (ADD): DEL must ignore them, and a malformed IP= must not block a DEL.
ipam_conf parse_ipam_conf(const cni::net_conf& conf, const cni::request& req, bool with_requests);

}  // namespace wharf::ipam
