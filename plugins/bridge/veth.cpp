#include "veth.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>

#include "base/in_quotes.hpp"
#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "cni/owner_tag.hpp"
#include "netlink/bridge_port.hpp"
#include "netlink/error.hpp"
#include "netlink/request.hpp"

namespace wharf::bridge {

namespace {

constexpr int name_attempts = 4;
constexpr std::size_t alias_max = 255;

std::string random_host_name() {
    std::uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) throw_errno("getrandom for a veth name");
    char buf[16];
    std::snprintf(buf, sizeof buf, "veth%08x", r);
    return buf;
}

// Set only when on: a new port has them off.
std::optional<bool> when_on(bool on) { return on ? std::optional<bool>(true) : std::nullopt; }

}  // namespace

std::string veth_alias(const std::string& tag, const std::string& network, const std::string& container_id,
                       const std::string& ifname) {
    std::string a = tag + " " + network + " " + container_id + "/" + ifname;
    if (a.size() > alias_max) a.resize(alias_max);
    return a;
}

veth_pair create_veth_pair(netlink::socket& host, netlink::socket& container, const netns::handle& ns,
                           const std::string& ifname, const netlink::link_info& bridge, const bridge_conf& conf,
                           const std::string& alias) {
    veth_pair pair{.host_name = {}, .host_mac = net::mac::random(), .container_mac = conf.mac.value_or(net::mac::random())};
    const std::string where = "connect " + in_quotes(ifname) + " in " + ns.path() + " to bridge " + in_quotes(bridge.name);
    for (int attempt = 1;; ++attempt) {
        pair.host_name = random_host_name();
        try {
            // The host end is born enslaved to the bridge and up: no further round trips for that.
            netlink::with_context(where, [&] {
                netlink::link::create_veth(host, {.name = pair.host_name,
                                                  .peer_name = ifname,
                                                  .peer_netns_fd = ns.fd(),
                                                  .mtu = conf.mtu,
                                                  .mac = pair.host_mac,
                                                  .peer_mac = pair.container_mac,
                                                  .master = bridge.index,
                                                  .up = true});
            });
            break;
        } catch (const netlink::error& e) {
            if (e.code_value() != EEXIST) throw;
            if (netlink::link::find_link(container, ifname))
                throw cni::error(cni::code::internal,
                                 "container interface " + in_quotes(ifname) + " already exists in " + ns.path(),
                                 "choose another CNI_IFNAME or delete the existing interface");
            if (attempt == name_attempts) throw;  // the random host names kept colliding
        }
    }
    try {
        // The alias and the port flags are not read at creation (rtnl_create_link skips them): one
        // more RTM_NEWLINK, by name, now that the link is a port of the bridge.
        netlink::with_context(where, [&] {
            netlink::link::change(host, pair.host_name,
                                  {.alias = alias, .port = {.hairpin = when_on(conf.hairpin), .isolated = when_on(conf.port_isolation)}});
        });
    } catch (...) {
        netlink::link::remove(host, pair.host_name);
        throw;
    }
    return pair;
}

void setup_port_vlans(netlink::socket& host, netlink::if_index port, const bridge_conf& conf) {
    if (!conf.vlan_filtering()) return;
    if (!conf.preserve_default_vlan) {
        for (const auto& v : netlink::bridge::list_vlans(host, port))
            netlink::bridge::del_vlan(host, {.ifindex = port, .vid = v.vid});
    }
    if (conf.vlan != 0)
        netlink::bridge::add_vlan(host, {.ifindex = port, .vid = conf.vlan, .pvid = true, .untagged = true});
    for (auto vid : conf.vlan_trunk) netlink::bridge::add_vlan(host, {.ifindex = port, .vid = vid});
}

std::vector<host_veth> list_tagged_veths(netlink::socket& host, netlink::if_index bridge) {
    std::vector<host_veth> out;
    for (auto& link : netlink::link::list_links(host, {.master = bridge, .kind = "veth"})) {
        std::string tag = cni::tag_of(link.alias);
        if (!tag.empty()) out.push_back({std::move(link), std::move(tag)});
    }
    return out;
}

}  // namespace wharf::bridge
