// wharf net create NAME, wharf net rm NAME: Docker's network verbs on the configuration directory. create
// writes NAME.conflist (net_spec.hpp) on a subnet nothing else uses (subnet_pool.hpp); rm DELs what is
// still attached when forced, removes the network's bridge once it has no ports, then the file.
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "cli/command.hpp"
#include "cli/conf_loader.hpp"
#include "cli/files.hpp"
#include "cli/net_spec.hpp"
#include "cli/sandbox_manager.hpp"
#include "cli/subnet_pool.hpp"
#include "cni/env.hpp"
#include "cni/invoke_args.hpp"
#include "cni/invoke_find.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "sys/atomic_file.hpp"
#include "sys/file_lock.hpp"

namespace wharf::cli {

namespace {

// Serialises `net create` and `net rm` on one configuration directory, so that two creates cannot pick
// the same subnet or name. libcni reads only .conf, .conflist and .json files there.
sys::file_lock lock_conf_dir(const std::string& dir) { return sys::file_lock::acquire(dir + "/.wharf-net.lock", 0600); }

std::string network_words(const network_list& list) { return "network \"" + list.name + "\" (" + list.file + ")"; }

std::vector<used_subnet> subnets_of_networks(const std::vector<conf_entry>& entries) {
    std::vector<used_subnet> out;
    for (const auto& e : entries) {
        if (!e.list) continue;
        for (const auto& text : subnets_of(*e.list))
            if (auto p = text.is_string() ? net::prefix::parse(text.get<std::string>()) : std::nullopt)
                out.push_back({p->canonical(), network_words(*e.list)});
    }
    return out;
}

// Every route of this namespace, in every table, but the default routes (which overlap everything).
std::vector<used_subnet> subnets_of_routes() {
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    std::map<int, std::string> names;
    for (const auto& l : netlink::link::list_links(sock)) names[l.index.value] = l.name;
    std::vector<used_subnet> out;
    for (auto fam : {net::family::v4, net::family::v6}) {
        for (const auto& r : netlink::route::list(sock, fam)) {
            if (r.dst.length() == 0 || r.type == RTN_MULTICAST) continue;
            std::string words = "route " + r.dst.canonical().to_string();
            if (names.count(r.ifindex.value)) words += " dev " + names[r.ifindex.value];
            if (r.table == RT_TABLE_LOCAL) words += " table local";
            else if (r.table != RT_TABLE_MAIN) words += " table " + std::to_string(r.table);
            out.push_back({r.dst.canonical(), words});
        }
    }
    return out;
}

network_spec spec_from(const args& a, const settings& s) {
    network_spec spec{.name = a.positional[0]};
    if (auto problem = network_name_problem(spec.name); !problem.empty())
        throw failure(exit_code::usage, "invalid network name \"" + spec.name + "\": " + problem);
    for (const auto& text : a.values("--subnet")) spec.subnets.push_back({.subnet = parse_subnet(text)});
    check_distinct(spec.subnets);
    if (spec.subnets.empty() && (a.has("--gateway") || a.has("--ip-range")))
        throw failure(exit_code::usage, "--gateway and --ip-range need --subnet", "give the subnet they belong to");
    assign_gateways(spec.subnets, a.values("--gateway"));
    assign_ip_ranges(spec.subnets, a.values("--ip-range"));
    spec.bridge = a.value("--bridge").value_or(default_bridge_name(spec.name));
    if (auto problem = cni::interface_name_problem(spec.bridge); !problem.empty())
        throw failure(exit_code::usage, "invalid --bridge \"" + spec.bridge + "\": " + problem);
    if (auto mtu = a.value("--mtu")) spec.mtu = parse_mtu(*mtu);
    spec.internal = a.has("--internal");
    spec.isolate = a.has("--isolate");
    auto path = plugin_search_path(s);
    spec.firewall = cni::find_in_path("firewall", path).has_value();
    spec.tuning = cni::find_in_path("tuning", path).has_value();
    if (spec.isolate && !spec.firewall)
        throw failure(exit_code::not_found, "--isolate needs the firewall plugin, and there is none in [" + cni::join_cni_path(path) + "]",
                      "set CNI_PATH to the directory holding the plugin binaries");
    return spec;
}

// Refuses a name or a bridge another network has, and a subnet that overlaps one in use.
void check_free(const network_spec& spec, const std::vector<conf_entry>& entries, const std::vector<used_subnet>& used) {
    for (const auto& e : entries) {
        if (!e.list) continue;
        if (e.list->name == spec.name)
            throw failure(exit_code::already_exists, "a network named \"" + spec.name + "\" already exists (" + e.file + ")",
                          "pick another name, or remove it with `wharf net rm " + spec.name + "`");
        if (bridge_of(*e.list) == spec.bridge)
            throw failure(exit_code::already_exists, "bridge \"" + spec.bridge + "\" is already used by " + network_words(*e.list),
                          "name another one with --bridge");
    }
    for (const auto& sn : spec.subnets)
        if (const auto* other = find_overlap(sn.subnet, used))
            throw failure(exit_code::already_exists, "subnet " + sn.subnet.to_string() + " overlaps " + other->owner,
                          "pick a subnet nothing uses, or leave out --subnet to have one picked");
}

std::string summary(const network_spec& spec) {
    std::string subnets;
    for (const auto& sn : spec.subnets) subnets += (subnets.empty() ? "" : ", ") + sn.subnet.to_string();
    return subnets + " on bridge " + spec.bridge + (spec.internal ? ", internal" : "") + (spec.isolate ? ", isolated" : "");
}

int net_create(const args& a, const settings& s) {
    expect_positional(a, 1, "NAME");
    network_spec spec = spec_from(a, s);
    make_directories(s.conf_dir, 0755);
    auto lock = lock_conf_dir(s.conf_dir);
    const auto entries = load_all(s.conf_dir);
    auto used = subnets_of_networks(entries);
    for (auto& r : subnets_of_routes()) used.push_back(std::move(r));
    if (spec.subnets.empty()) {
        auto picked = pick_free_subnet(used);
        if (!picked)
            throw failure(exit_code::failed,
                          "no free subnet: every one of Docker's default pools (172.17.0.0/16 to 172.31.0.0/16, "
                          "192.168.0.0/20 to 192.168.240.0/20) overlaps a route or another network",
                          "give one with --subnet");
        spec.subnets.push_back({.subnet = *picked});
    }
    check_free(spec, entries, used);
    const std::string file = spec.name + ".conflist";
    unique_fd dir(::open(s.conf_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open configuration directory \"" + s.conf_dir + "\"");
    if (sys::stat_at(dir.get(), s.conf_dir, file))
        throw failure(exit_code::already_exists, "\"" + s.conf_dir + "/" + file + "\" already exists (it does not define \"" + spec.name + "\")",
                      "move it away, or pick another name");
    sys::write_file_atomic(dir.get(), s.conf_dir, file, conflist_for(spec).dump(2) + "\n", {.mode = 0644});
    std::printf("%s: %s (%s/%s)\n", spec.name.c_str(), summary(spec).c_str(), s.conf_dir.c_str(), file.c_str());
    return 0;
}

std::string describe(const cache_entry& e, const std::vector<sandbox_record>& sandboxes) {
    for (const auto& sb : sandboxes)
        if (sb.container_id == e.container_id) return e.container_id + " (sandbox " + sb.name + ", " + e.ifname + ")";
    return e.container_id + " (" + e.ifname + ")";
}

// DELs one attachment: through its sandbox, which then forgets it, or straight from the cache entry.
void del_attachment(sandbox_manager& m, const network_list& list, const cache_entry& e) {
    for (auto sb : m.store().list()) {
        bool on_it = std::any_of(sb.attachments.begin(), sb.attachments.end(),
                                 [&](const attachment_record& at) { return at.network == list.name && at.ifname == e.ifname; });
        if (sb.container_id == e.container_id && on_it) return m.detach(sb, list.name);
    }
    m.cni().del(list, {.container_id = e.container_id, .netns = e.netns, .ifname = e.ifname, .args = e.cni_args,
                       .capability_args = e.capability_args});
}

// The network's bridge, once no port is left on it and no other network names it: what Docker's
// `network rm` removes. Returns what happened, for the report.
std::string remove_bridge(const network_list& list, const std::vector<conf_entry>& entries) {
    const std::string bridge = bridge_of(list);
    if (bridge.empty()) return {};
    for (const auto& e : entries)
        if (e.list && e.list->file != list.file && bridge_of(*e.list) == bridge) return "bridge " + bridge + " kept: " + network_words(*e.list) + " uses it";
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    auto br = netlink::link::find_link(sock, bridge);
    if (!br || br->kind != "bridge") return {};
    if (!netlink::link::list_links(sock, {.master = br->index}).empty()) return "bridge " + bridge + " kept: it still has ports";
    netlink::link::remove(sock, *br);
    return "bridge " + bridge + " removed";
}

int net_rm(const args& a, const settings& s) {
    expect_positional(a, 1, "NAME");
    const std::string name = a.positional[0];
    auto list = load_network(s.conf_dir, name);
    auto lock = lock_conf_dir(s.conf_dir);
    sandbox_manager m(s);
    std::vector<cache_entry> attached;
    for (auto& e : m.cni().cache().attachments())
        if (e.network == name) attached.push_back(std::move(e));
    if (!attached.empty() && !a.has("--force")) {
        const auto sandboxes = m.store().list();
        std::string who;
        for (const auto& e : attached) who += "\n  " + describe(e, sandboxes);
        throw failure(exit_code::failed, "network \"" + name + "\" has " + std::to_string(attached.size()) + " attached container" +
                                             (attached.size() == 1 ? "" : "s") + ":" + who,
                      "disconnect them (`wharf disconnect " + name + " SANDBOX`, `wharf del " + name + " NETNS`), or use --force to DEL them");
    }
    std::string errors;
    for (const auto& e : attached) {
        try {
            del_attachment(m, list, e);
        } catch (const std::exception& err) {
            errors += "\n  DEL " + e.container_id + "/" + e.ifname + ": " + err.what();
        }
    }
    if (!errors.empty())
        throw failure(exit_code::failed, "network \"" + name + "\" kept (" + list.file + "), since DEL failed:" + errors,
                      "fix the cause and retry: the file is what DEL needs");
    std::string bridge = remove_bridge(list, load_all(s.conf_dir));
    remove_file_if_exists(list.file);
    std::printf("%s: removed %s%s%s\n", name.c_str(), list.file.c_str(), bridge.empty() ? "" : ", ", bridge.c_str());
    for (const auto& e : load_all(s.conf_dir))
        if (e.list && e.list->name == name) std::fprintf(stderr, "wharf: net rm: \"%s\" is still defined by %s\n", name.c_str(), e.file.c_str());
    return 0;
}

}  // namespace

std::vector<command> net_commands() {
    return {
        {"net create", "NAME [--subnet CIDR]... [OPTIONS]", "write a bridge network's conflist into NETCONFPATH, on a subnet nothing else uses",
         "Writes NETCONFPATH/NAME.conflist: bridge (gateway on the bridge, masquerade, hairpin) with host-local\n"
         "IPAM, portmap, and the firewall and tuning plugins when they are installed (CNI_PATH, else beside\n"
         "wharf). Without --subnet, the first of Docker's default pools (172.17.0.0/16 ... 172.31.0.0/16, then\n"
         "192.168.0.0/20 steps) that overlaps no route of this namespace and no other network is used. A name,\n"
         "bridge or subnet another network has, or a subnet overlapping a route, is refused.\n"
         "--internal: no masquerade, no default route and no published ports: containers reach each other and\n"
         "the gateway address on the bridge, nothing beyond it. --isolate: the firewall plugin drops traffic\n"
         "between this bridge and those of other isolated networks (ingressPolicy same-bridge).",
         {{"", "--subnet", true, "CIDR", "a subnet (IPv4 or IPv6; repeat for several)"},
          {"", "--gateway", true, "IP", "the gateway of the subnet holding it (default: its first address)"},
          {"", "--ip-range", true, "CIDR", "give containers addresses from this part of a subnet only"},
          {"", "--bridge", true, "NAME", "the bridge's name (default wh-NAME, or wh-HASH when that is too long)"},
          {"", "--mtu", true, "N", "the MTU of the bridge and the veths"},
          {"", "--internal", false, "", "no egress: no masquerade, no default route, no published ports"},
          {"", "--isolate", false, "", "no traffic with other isolated networks (firewall plugin)"}},
         net_create},
        {"net rm", "NAME [--force]", "remove a network's file (and its bridge, once it has no ports)",
         "Refuses while containers are attached to it (the result cache lists them); with --force, DELs each\n"
         "first (a sandbox's attachment through the sandbox, which then forgets it). The bridge is removed\n"
         "when no port is left on it and no other network names it.",
         {{"-f", "--force", false, "", "DEL the attached containers first"}},
         net_rm},
    };
}

}  // namespace wharf::cli
