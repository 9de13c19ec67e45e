#include "veth.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdio>

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "netlink/attr_parser.hpp"
#include "netlink/bridge_port.hpp"
#include "netlink/error.hpp"
#include "cni/owner_tag.hpp"

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

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// Alias and bridge-port flags of an existing link, by name, in one RTM_NEWLINK.
void configure_host_end(netlink::socket& host, const std::string& name, const std::string& alias, const bridge_conf& conf) {
    netlink::message msg(RTM_NEWLINK);
    msg.put_header<ifinfomsg>().ifi_family = AF_UNSPEC;
    msg.put_strz(IFLA_IFNAME, name);
    msg.put_strz(IFLA_IFALIAS, alias);
    if (conf.hairpin || conf.port_isolation) {
        netlink::nested info(msg, IFLA_LINKINFO);
        netlink::nested port(msg, IFLA_INFO_SLAVE_DATA);
        if (conf.hairpin) msg.put_u8(IFLA_BRPORT_MODE, 1);
        if (conf.port_isolation) msg.put_u8(IFLA_BRPORT_ISOLATED, 1);
    }
    host.request(msg, "configure host veth " + in_quotes(name));
}

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
    for (int attempt = 1;; ++attempt) {
        pair.host_name = random_host_name();
        netlink::message msg = netlink::link::create_veth_request({.name = pair.host_name,
                                                                   .peer_name = ifname,
                                                                   .peer_netns_fd = ns.fd(),
                                                                   .mtu = conf.mtu,
                                                                   .mac = pair.host_mac,
                                                                   .peer_mac = pair.container_mac});
        // The host end is born enslaved to the bridge and up: no further round trips for that.
        auto& ifi = msg.family_header<ifinfomsg>();
        ifi.ifi_flags |= IFF_UP;
        ifi.ifi_change |= IFF_UP;
        msg.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(bridge.index.value));
        try {
            host.request(msg, "create veth " + in_quotes(pair.host_name) + " on " + in_quotes(bridge.name) + " with peer " +
                                  in_quotes(ifname) + " in " + ns.path());
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
        configure_host_end(host, pair.host_name, alias, conf);
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
    netlink::message msg(RTM_GETLINK, NLM_F_DUMP);
    msg.put_header<ifinfomsg>().ifi_family = AF_UNSPEC;
    msg.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    if (bridge) {
        msg.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(bridge.value));
    } else {
        netlink::nested info(msg, IFLA_LINKINFO);
        msg.put_strz(IFLA_INFO_KIND, "veth");
    }
    std::vector<host_veth> out;
    host.dump(msg, "list host veths", [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type != RTM_NEWLINK) return;
        auto attrs = netlink::attr_table::parse(nlh, sizeof(ifinfomsg), IFLA_MAX);
        std::string tag = cni::tag_of(attrs.str(IFLA_IFALIAS).value_or(""));
        if (tag.empty()) return;
        netlink::link_info link = netlink::link::parse_link(nlh);
        if (link.kind != "veth") return;
        out.push_back({std::move(link), std::move(tag)});
    });
    return out;
}

}  // namespace wharf::bridge
