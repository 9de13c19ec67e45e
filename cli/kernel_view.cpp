#include "cli/kernel_view.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <map>
#include <optional>

#include "json/json.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netns/netns.hpp"

namespace wharf::cli {

using nlohmann::json;
namespace link = netlink::link;

namespace {

netlink::socket socket_for(const std::string& netns_path) {
    if (netns_path.empty()) return netlink::socket::open(NETLINK_ROUTE);
    return netns::open_socket(netns::handle::open(netns_path), NETLINK_ROUTE);
}

json addresses_of(const std::vector<netlink::addr::entry>& all, netlink::if_index index) {
    json out = json::array();
    for (const auto& a : all)
        if (a.ifindex == index) out.push_back(a.address.to_string());
    return out;
}

std::string scope_name(std::uint8_t scope) {
    switch (scope) {
    case RT_SCOPE_UNIVERSE: return "global";
    case RT_SCOPE_LINK: return "link";
    case RT_SCOPE_HOST: return "host";
    default: return std::to_string(scope);
    }
}

}  // namespace

json namespace_view(const std::string& netns_path) {
    auto sock = socket_for(netns_path);
    auto links = link::list_links(sock);
    auto addrs = netlink::addr::list(sock);
    std::map<int, std::string> names;
    for (const auto& l : links) names[l.index.value] = l.name;

    // The host's links, to find the other end of each veth.
    std::optional<netlink::socket> host_sock;
    std::vector<netlink::link_info> host_links;
    if (!netns_path.empty()) {
        host_sock = netlink::socket::open(NETLINK_ROUTE);
        host_links = link::list_links(*host_sock);
    }

    json interfaces = json::array();
    for (const auto& l : links) {
        json i = {{"name", l.name}, {"index", l.index.value}, {"kind", l.kind}, {"mtu", l.mtu}, {"up", l.up},
                  {"addresses", addresses_of(addrs, l.index)}};
        if (l.mac) i["mac"] = l.mac->to_string();
        if (l.master) i["master"] = names.count(l.master.value) ? names[l.master.value] : std::to_string(l.master.value);
        if (l.kind == "veth" && l.link && host_sock && l.link_netnsid) {
            for (const auto& h : host_links) {
                // The peer: a host veth whose index is our IFLA_LINK and whose IFLA_LINK is us.
                if (h.index != l.link || h.kind != "veth" || h.link != l.index) continue;
                json peer = {{"name", h.name}, {"index", h.index.value}, {"up", h.up}};
                if (h.master)
                    for (const auto& b : host_links)
                        if (b.index == h.master) peer["bridge"] = b.name;
                i["peer"] = peer;
            }
        }
        interfaces.push_back(i);
    }
    json routes = json::array();
    for (auto fam : {net::family::v4, net::family::v6}) {
        for (const auto& r : netlink::route::list(sock, fam, RT_TABLE_MAIN)) {
            if (r.type != RTN_UNICAST) continue;
            json j = {{"dst", r.dst.length() == 0 ? std::string("default") : r.dst.to_string()},
                      {"dev", names.count(r.ifindex.value) ? names[r.ifindex.value] : ""},
                      {"scope", scope_name(r.scope)}};
            if (r.gateway) j["gateway"] = r.gateway->to_string();
            if (r.src) j["src"] = r.src->to_string();
            routes.push_back(j);
        }
    }
    return {{"interfaces", interfaces}, {"routes", routes}};
}

json bridge_view(const std::string& bridge) {
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    auto br = link::find_link(sock, bridge);
    if (!br) return nullptr;
    auto addrs = netlink::addr::list(sock, br->index);
    json addresses = json::array();
    for (const auto& a : addrs) addresses.push_back(a.address.to_string());
    json ports = json::array();
    for (const auto& l : link::list_links(sock)) {
        if (l.master != br->index) continue;
        json p = {{"name", l.name}, {"index", l.index.value}, {"up", l.up}, {"kind", l.kind}};
        if (l.link) p["peer_index"] = l.link.value;
        if (l.mac) p["mac"] = l.mac->to_string();
        ports.push_back(p);
    }
    return {{"name", br->name}, {"index", br->index.value}, {"kind", br->kind}, {"up", br->up}, {"mtu", br->mtu},
            {"addresses", addresses}, {"ports", ports}};
}

std::string route_text(const json& r) {
    std::string s = r.value("dst", std::string());
    if (r.contains("gateway")) s += " via " + r["gateway"].get<std::string>();
    if (!r.value("dev", std::string()).empty()) s += " dev " + r["dev"].get<std::string>();
    if (r.value("scope", std::string()) != "global") s += " scope " + r.value("scope", std::string());
    if (r.contains("src")) s += " src " + r["src"].get<std::string>();
    return s;
}

}  // namespace wharf::cli
