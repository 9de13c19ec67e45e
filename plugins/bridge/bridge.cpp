#include "bridge.hpp"

#include <net/if.h>

#include <cerrno>
#include <optional>

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/error.hpp"
#include "netlink/request.hpp"
#include "sys/sysctl.hpp"

namespace wharf::bridge {

namespace {

bool conflicts(const net::prefix& existing, const net::prefix& wanted) {
    if (existing.fam() != wanted.fam()) return false;
    if (existing.address().is_link_local_unicast()) return false;
    if (wanted.is_v4()) return true;
    return existing.contains(wanted.address()) || wanted.contains(existing.address());
}

// A sysctl write whose absence (IPv6 disabled, say) is not an error.
void write_if_present(const std::string& key, std::string_view value) {
    try {
        sys::sysctl::write(key, value);
    } catch (const os_error& e) {
        if (e.code_value() != ENOENT) throw;
    }
}

}  // namespace

netlink::link_info ensure_bridge(netlink::socket& host, const bridge_conf& conf) {
    // Look first: on every ADD but a network's first the bridge exists, and a refused create would
    // cost an exception (the first throw in a static binary sorts its unwind tables: milliseconds).
    std::optional<netlink::link_info> found = netlink::link::find_link(host, conf.bridge);
    bool created = false;
    if (!found) {
        try {
            netlink::link::bridge_options o{.name = conf.bridge, .mtu = conf.mtu, .mac = net::mac::random()};
            if (conf.vlan_filtering()) o.vlan_filtering = true;
            netlink::link::create_bridge(host, o);
            created = true;
        } catch (const netlink::error& e) {
            if (e.code_value() == EOPNOTSUPP && conf.vlan_filtering())
                throw cni::error(cni::code::internal, "cannot create bridge \"" + conf.bridge + "\" with VLAN filtering",
                                 "this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): " +
                                     std::string(e.what()));
            if (e.code_value() != EEXIST) throw;  // EEXIST: a concurrent ADD made it this very moment
        }
        found = netlink::link::get_link(host, conf.bridge);
    }
    netlink::link_info br = std::move(*found);
    if (br.kind != "bridge")
        throw cni::error(cni::code::internal, "\"" + conf.bridge + "\" already exists but is not a bridge",
                         "kind \"" + br.kind + "\"");
    if (!created && conf.vlan_filtering()) netlink::link::set_vlan_filtering(host, br, true);
    // Wharf owns this interface's routes: router advertisements must not add any.
    write_if_present("net/ipv6/conf/" + conf.bridge + "/accept_ra", "0");
    // Promiscuous mode and up, in one request when both are needed.
    netlink::link::changes wanted;
    if (conf.promisc && !(br.flags & IFF_PROMISC)) wanted.promisc = true;
    if (!br.up) wanted.up = true;
    if (wanted.promisc || wanted.up) netlink::link::change(host, br, wanted);
    br.up = true;
    return br;
}

void ensure_gateways(netlink::socket& host, const netlink::link_info& br, const std::vector<net::prefix>& gateways,
                     bool force_address) {
    if (gateways.empty()) return;
    auto present = netlink::addr::list(host, br.index);
    for (const auto& gw : gateways) {
        bool have = false;
        for (const auto& a : present) {
            if (a.address == gw) {
                have = true;
                continue;
            }
            if (!conflicts(a.address, gw)) continue;
            if (!force_address)
                throw cni::error(cni::code::internal,
                                 "bridge \"" + br.name + "\" already has address " + a.address.to_string() + ", not " +
                                     gw.to_string(),
                                 "set forceAddress to replace it");
            netlink::addr::remove(host, br.index, a.address);
        }
        if (have) continue;
        // EEXIST: a concurrent ADD put it there first.
        netlink::completes_unless({EEXIST}, [&] {
            netlink::addr::add(host, {.ifindex = br.index, .address = gw, .nodad = !gw.is_v4()});
        });
    }
}

void enable_forwarding(net::family f) {
    if (f == net::family::v4) sys::sysctl::write("net/ipv4/ip_forward", "1");
    else write_if_present("net/ipv6/conf/all/forwarding", "1");
}

}  // namespace wharf::bridge
