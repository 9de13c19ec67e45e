// The network configuration on a plugin's stdin, with its prevResult in the shape of its cniVersion:
// cni::parse_net_conf, then every plugin's own parser over the result (bridge, host-local's ipam,
// portmap, tuning, firewall). Input: an optional command letter (fuzz_input.hpp), then the JSON.
// Expected refusal: cni::error.
#include "bridge_conf.hpp"
#include "cni/config.hpp"
#include "cni/error.hpp"
#include "firewall_conf.hpp"
#include "fuzz_input.hpp"
#include "ipam_conf.hpp"
#include "portmap_conf.hpp"
#include "tuning_conf.hpp"

using namespace wharf;

namespace {

template <typename F>
void refused_or_parsed(F&& parse) {
    try {
        parse();
    } catch (const cni::error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = fuzz::text(data, size);
    cni::command cmd = fuzz::take_command(in);
    cni::request req;
    req.cmd = cmd;
    req.container_id = "ctr1";
    req.ifname = "eth0";
    req.netns = "/run/netns/fuzz";
    req.args = {{"IgnoreUnknown", "1"}};
    cni::net_conf conf;
    try {
        conf = cni::parse_net_conf(in, cmd);
    } catch (const cni::error&) {
        return 0;
    }
    refused_or_parsed([&] { bridge::parse_bridge_conf(conf, req); });
    refused_or_parsed([&] { ipam::parse_ipam_conf(conf, req, cmd == cni::command::add); });
    refused_or_parsed([&] { portmap::parse_portmap_conf(conf, req); });
    refused_or_parsed([&] { tuning::parse_tuning_conf(conf, req, in); });
    refused_or_parsed([&] { firewall::parse_firewall_conf(conf, cmd); });
    return 0;
}
