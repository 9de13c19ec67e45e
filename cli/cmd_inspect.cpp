// wharf inspect NAME, wharf net ls, wharf net inspect NET: the kernel's real state next to what the
// runtime recorded, as text, --json or (the inspects) a Graphviz picture with --dot.
#include <cstdio>
#include <optional>

#include "cli/attachment_records.hpp"
#include "cli/command.hpp"
#include "cli/conf_loader.hpp"
#include "cli/failure.hpp"
#include "cli/kernel_view.hpp"
#include "cli/port_mapping.hpp"
#include "cli/result_cache.hpp"
#include "cli/result_view.hpp"
#include "cli/sandbox_state.hpp"
#include "cli/table.hpp"
#include "cli/topology_dot.hpp"

namespace wharf::cli {

namespace {

using nlohmann::json;

std::string join(const json& list, const std::string& sep = " ") {
    std::string s;
    for (const auto& v : list) s += (s.empty() ? "" : sep) + (v.is_string() ? v.get<std::string>() : v.dump());
    return s;
}

json plugin_types(const network_list& list) {
    json out = json::array();
    for (const auto& p : list.plugins) out.push_back(plugin_type(p));
    return out;
}

// The sandbox name of a container ID, when it is one of ours.
std::string sandbox_of(const std::vector<sandbox_record>& sandboxes, const std::string& container_id) {
    for (const auto& sb : sandboxes)
        if (sb.container_id == container_id && sb.owns_netns) return sb.name;
    return {};
}

json containers_on(const std::string& network, const result_cache& cache, const std::vector<sandbox_record>& sandboxes) {
    json out = json::array();
    for (const auto& e : cache.attachments()) {
        if (e.network != network) continue;
        out.push_back({{"containerId", e.container_id}, {"sandbox", sandbox_of(sandboxes, e.container_id)}, {"ifname", e.ifname},
                       {"netns", e.netns}, {"addresses", sandbox_addresses(e.result)}, {"hostInterfaces", host_interfaces(e.result)}});
    }
    return out;
}

option_spec dot_option() { return {"", "--dot", false, "", "print the topology as Graphviz DOT (render it: | dot -Tsvg >net.svg)"}; }

// Which of text, --json and --dot; naming both of the last two is a usage error.
bool wants_dot(const args& a) {
    if (a.has("--dot") && a.has("--json")) throw failure(exit_code::usage, "--json and --dot exclude each other");
    return a.has("--dot");
}

std::vector<std::string> strings_of(const json& list) {
    std::vector<std::string> out;
    for (const auto& v : list)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

std::vector<port_mapping> published_ports(const json& capability_args) {
    std::vector<port_mapping> out;
    for (const auto& p : capability_args.value("portMappings", json::array()))
        if (p.is_object()) out.push_back(port_mapping_from_json(p));
    return out;
}

// A bridge as bridge_view() reports it (null: not created yet).
topology_bridge topology_bridge_of(const std::string& name, const json& view) {
    topology_bridge b{.name = name, .present = !view.is_null()};
    if (!b.present) return b;
    b.addresses = strings_of(view["addresses"]);
    for (const auto& p : view["ports"]) b.ports.push_back(p["name"].get<std::string>());
    return b;
}

// One sandbox: its attached interfaces as the kernel sees them (`kernel` is namespace_view()), the
// host end of each veth and the bridge it is on, and the ports published on each attachment.
topology sandbox_topology(const sandbox_record& sb, const json& kernel) {
    topology t{.title = "sandbox " + sb.name};
    topology_namespace ns{.sandbox = sb.name, .container_id = sb.container_id, .netns = sb.netns.empty() ? "(host)" : sb.netns};
    for (const auto& at : sb.attachments) {
        topology_interface itf{.name = at.ifname, .ports = published_ports(at.capability_args)};
        for (const auto& k : kernel["interfaces"]) {
            if (k["name"] != at.ifname) continue;
            itf.addresses = strings_of(k["addresses"]);
            if (!k.contains("peer")) continue;
            itf.host_veth = k["peer"]["name"].get<std::string>();
            itf.bridge = k["peer"].value("bridge", std::string());
        }
        bool known = itf.bridge.empty();
        for (const auto& b : t.bridges) known = known || b.name == itf.bridge;
        if (!known) t.bridges.push_back({.name = itf.bridge, .present = true, .addresses = strings_of(bridge_view(itf.bridge)["addresses"])});
        ns.interfaces.push_back(std::move(itf));
    }
    t.namespaces.push_back(std::move(ns));
    return t;
}

// A network: its bridge with every port the kernel lists, and each cached attachment's namespace with
// the container's addresses, its host veth (on the bridge when the kernel says so) and its ports.
topology network_topology(const std::string& network, const std::optional<topology_bridge>& bridge, const result_cache& cache,
                          const std::vector<sandbox_record>& sandboxes) {
    topology t{.title = "network " + network};
    if (bridge) t.bridges.push_back(*bridge);
    for (const auto& e : cache.attachments()) {
        if (e.network != network) continue;
        topology_interface itf{.name = e.ifname, .addresses = sandbox_addresses(e.result), .ports = published_ports(e.capability_args)};
        for (const auto& h : host_interfaces(e.result)) {
            if (bridge && h == bridge->name) continue;
            itf.host_veth = h;
            if (bridge)
                for (const auto& p : bridge->ports)
                    if (p == h) itf.bridge = bridge->name;
        }
        t.namespaces.push_back({.sandbox = sandbox_of(sandboxes, e.container_id), .container_id = e.container_id, .netns = e.netns,
                                .interfaces = {std::move(itf)}});
    }
    return t;
}

int inspect(const args& a, const settings& s) {
    expect_positional(a, 1, "NAME");
    sandbox_store store(s.state_dir);
    auto sb = store.get(a.positional[0]);
    result_cache cache(s.cache_dir);
    json j = to_json(sb);
    json nets = json::array(), ports = json::array();
    for (const auto& at : sb.attachments) {
        json n = {{"network", at.network}, {"ifname", at.ifname}};
        if (auto e = cache.load(at.network, sb.container_id, at.ifname)) {
            n["addresses"] = sandbox_addresses(e->result);
            n["gateway"] = first_gateway(e->result);
            n["result"] = e->result;
        }
        n["records"] = attachment_records(at.network, sb.container_id, at.ifname);
        nets.push_back(n);
        for (const auto& p : at.capability_args.value("portMappings", json::array())) ports.push_back(p);
    }
    j["networks"] = nets;
    j["ports"] = ports;
    j["kernel"] = namespace_view(sb.mode == net_mode::host ? std::string() : sb.netns);
    if (wants_dot(a)) {
        std::printf("%s", to_dot(sandbox_topology(sb, j["kernel"])).c_str());
        return 0;
    }
    if (a.has("--json")) {
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("sandbox %s   container ID %s   netns %s   mode %s%s\n", sb.name.c_str(), sb.container_id.c_str(),
                sb.netns.empty() ? "(host)" : sb.netns.c_str(), to_string(sb.mode).c_str(),
                sb.joined.empty() ? "" : (" (joins " + sb.joined + ")").c_str());
    if (!nets.empty()) {
        std::printf("\nnetworks:\n");
        table t({"  NETWORK", "INTERFACE", "ADDRESSES", "GATEWAY"});
        for (const auto& n : nets)
            t.add({"  " + n["network"].get<std::string>(), n["ifname"].get<std::string>(), join(n.value("addresses", json::array())),
                   n.value("gateway", std::string())});
        std::printf("%s", t.render().c_str());
    }
    if (!ports.empty()) {
        std::printf("\npublished ports:\n");
        for (const auto& p : ports) std::printf("  %s\n", to_string(port_mapping_from_json(p)).c_str());
    }
    if (!nets.empty()) {
        std::printf("\nrecords (what wharfd, GC and wharf reconcile repair from):\n");
        for (const auto& n : nets)
            std::printf("  %s/%s: %s\n", n["network"].get<std::string>().c_str(), n["ifname"].get<std::string>().c_str(),
                        records_summary(n["records"]).c_str());
    }
    std::printf("\ninterfaces (from the kernel):\n");
    table t({"  NAME", "INDEX", "STATE", "MAC", "MTU", "ADDRESSES", "HOST SIDE"});
    for (const auto& i : j["kernel"]["interfaces"]) {
        std::string host_side;
        if (i.contains("peer")) {
            host_side = i["peer"]["name"].get<std::string>() + " (index " + std::to_string(i["peer"]["index"].get<int>()) + ")";
            if (i["peer"].contains("bridge")) host_side += " on bridge " + i["peer"]["bridge"].get<std::string>();
        }
        t.add({"  " + i["name"].get<std::string>(), std::to_string(i["index"].get<int>()), i["up"].get<bool>() ? "up" : "down",
               i.value("mac", std::string("-")), std::to_string(i["mtu"].get<unsigned>()), join(i["addresses"]),
               host_side.empty() ? "-" : host_side});
    }
    std::printf("%s", t.render().c_str());
    std::printf("\nroutes (from the kernel):\n");
    for (const auto& r : j["kernel"]["routes"]) std::printf("  %s\n", route_text(r).c_str());
    return 0;
}

int net_ls(const args& a, const settings& s) {
    expect_positional(a, 0, "");
    result_cache cache(s.cache_dir);
    json all = json::array();
    table t({"NETWORK", "PLUGINS", "BRIDGE", "SUBNETS", "CONTAINERS", "FILE"});
    for (const auto& e : load_all(s.conf_dir)) {
        if (!e.list) {
            all.push_back({{"file", e.file}, {"error", e.problem}});
            t.add({"?", "-", "-", "-", "-", e.file + " (error: " + e.problem + ")"});
            continue;
        }
        std::size_t count = 0;
        for (const auto& c : cache.attachments())
            if (c.network == e.list->name && !e.shadowed) ++count;
        json j = {{"name", e.list->name}, {"cniVersion", e.list->cni_version}, {"file", e.file}, {"plugins", plugin_types(*e.list)},
                  {"bridge", bridge_of(*e.list)}, {"subnets", subnets_of(*e.list)}, {"containers", count}, {"shadowed", e.shadowed}};
        all.push_back(j);
        std::string bridge = j["bridge"].get<std::string>();
        t.add({e.list->name, join(j["plugins"], ","), bridge.empty() ? "-" : bridge,
               j["subnets"].empty() ? "-" : join(j["subnets"], ","), std::to_string(count),
               e.file + (e.shadowed ? " (shadowed by an earlier file)" : "")});
    }
    if (a.has("--json")) std::printf("%s\n", all.dump(2).c_str());
    else std::printf("%s", t.render().c_str());
    return 0;
}

int net_inspect(const args& a, const settings& s) {
    expect_positional(a, 1, "NET");
    auto list = load_network(s.conf_dir, a.positional[0]);
    result_cache cache(s.cache_dir);
    auto sandboxes = sandbox_store(s.state_dir).list();
    json j = {{"name", list.name}, {"cniVersion", list.cni_version}, {"file", list.file}, {"plugins", list.plugins},
              {"subnets", subnets_of(list)}, {"containers", containers_on(list.name, cache, sandboxes)}};
    std::string bridge = bridge_of(list);
    if (!bridge.empty()) j["bridge"] = bridge_view(bridge);
    if (wants_dot(a)) {
        std::optional<topology_bridge> b;
        if (!bridge.empty()) b = topology_bridge_of(bridge, j["bridge"]);
        std::printf("%s", to_dot(network_topology(list.name, b, cache, sandboxes)).c_str());
        return 0;
    }
    if (a.has("--json")) {
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("network %s   (cniVersion %s, %s)\nplugins: %s\nsubnets: %s\n", list.name.c_str(), list.cni_version.c_str(),
                list.file.c_str(), join(plugin_types(list), " -> ").c_str(), join(j["subnets"], ", ").c_str());
    if (!bridge.empty()) {
        const json& b = j["bridge"];
        if (b.is_null()) {
            std::printf("\nbridge %s: not created yet (the bridge plugin makes it on the first ADD)\n", bridge.c_str());
        } else {
            std::printf("\nbridge %s   index %d   %s   %s\n", bridge.c_str(), b["index"].get<int>(), b["up"].get<bool>() ? "up" : "down",
                        join(b["addresses"]).c_str());
            table t({"  PORT", "INDEX", "STATE", "CONTAINER", "SANDBOX", "INTERFACE", "ADDRESSES"});
            for (const auto& p : b["ports"]) {
                std::string name = p["name"].get<std::string>(), container = "-", sandbox = "-", ifname = "-", addrs = "-";
                for (const auto& c : j["containers"]) {
                    bool match = false;
                    for (const auto& h : c["hostInterfaces"]) match = match || h == name;
                    if (!match) continue;
                    container = c["containerId"].get<std::string>();
                    sandbox = c["sandbox"].get<std::string>().empty() ? "-" : c["sandbox"].get<std::string>();
                    ifname = c["ifname"].get<std::string>();
                    addrs = join(c["addresses"]);
                }
                t.add({"  " + name, std::to_string(p["index"].get<int>()), p["up"].get<bool>() ? "up" : "down", container, sandbox, ifname, addrs});
            }
            std::printf("%s", b["ports"].empty() ? "  (no ports)\n" : t.render().c_str());
        }
    }
    std::printf("\ncontainers (from the result cache):\n");
    if (j["containers"].empty()) std::printf("  (none)\n");
    table t({"  CONTAINER", "SANDBOX", "INTERFACE", "ADDRESSES", "NETNS"});
    for (const auto& c : j["containers"])
        t.add({"  " + c["containerId"].get<std::string>(), c["sandbox"].get<std::string>().empty() ? "-" : c["sandbox"].get<std::string>(),
               c["ifname"].get<std::string>(), join(c["addresses"]), c["netns"].get<std::string>()});
    if (!j["containers"].empty()) std::printf("%s", t.render().c_str());
    return 0;
}

}  // namespace

std::vector<command> inspect_commands() {
    return {
        {"inspect", "NAME", "a sandbox's interfaces, addresses, routes, host-side veths, ports and networks",
         "Interfaces and routes come from the kernel; the host side of each veth is found by its peer index.\n"
         "--dot draws the sandbox's namespace, its veths and the bridges they are on, and its published ports.",
         {json_option(), dot_option()}, inspect},
        {"net ls", "", "the networks in NETCONFPATH, in libcni's order, with bridge, subnets and container count", "",
         {json_option()}, net_ls},
        {"net inspect", "NET", "a network's bridge with its ports and the containers behind them (brctl show)",
         "--dot draws the host namespace with the bridge and its veths, each container's namespace with its\n"
         "interface and addresses, the veth pairs, and the published ports: wharf net inspect NET --dot | dot -Tsvg >net.svg",
         {json_option(), dot_option()}, net_inspect},
    };
}

}  // namespace wharf::cli
