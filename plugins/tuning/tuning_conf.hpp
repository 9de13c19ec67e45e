#pragma once
// The tuning plugin's configuration: the reference plugin's keys, read as it reads them.
//   sysctl    {"net.ipv4.conf.IFNAME.arp_notify": "1", ...}: written inside the container's namespace
//   mac       the interface's MAC; also CNI_ARGS MAC=, runtimeConfig.mac (capability "mac") and
//             args.cni.mac, later ones winning in that order, as in the reference
//   mtu, promisc, allmulti, txQLen   the interface's settings (promisc: only true changes anything)
//   dataDir   where ADD keeps the original values for DEL (default /run/cni/tuning)
// args.cni may also carry sysctl (merged over the config's), promisc, mtu, allmulti and txQLen.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "net/mac.hpp"

namespace wharf::tuning {

inline constexpr std::string_view default_data_dir = "/run/cni/tuning";

struct sysctl_setting {
    std::string key;    // as written in the config
    std::string path;   // under /proc/sys, IFNAME replaced; empty when the request names no interface
    std::string value;
    friend bool operator==(const sysctl_setting&, const sysctl_setting&) = default;
};

struct tuning_conf {
    std::string data_dir{default_data_dir};
    std::vector<sysctl_setting> sysctls;  // in key order
    std::optional<net::mac> mac;
    bool promisc = false;
    std::optional<std::uint32_t> mtu;     // absent (or 0 in the config): left as it is
    std::optional<bool> allmulti;
    std::optional<std::uint32_t> txqlen;

    // Whether ADD changes anything on the interface itself (anything but sysctls).
    bool changes_link() const noexcept { return mac || promisc || mtu || allmulti || txqlen; }
    bool empty() const noexcept { return sysctls.empty() && !changes_link(); }
};

// Reads the tuning keys of `conf` and the per-request input (CNI_ARGS, runtimeConfig, args). Every
// problem is code 7 naming the key and the value (CNI_ARGS: code 4), before anything is changed: a
// sysctl key outside net, malformed or repeated (found in `stdin_data`, the config as received), a
// malformed or multicast MAC, a negative MTU or queue length, a value of the wrong type. On DEL the
// per-request input is logged and ignored when it cannot be read.
tuning_conf parse_tuning_conf(const cni::net_conf& conf, const cni::request& req, std::string_view stdin_data);

}  // namespace wharf::tuning
