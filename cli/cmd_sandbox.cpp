// wharf sandbox create|rm|ls, wharf run, wharf connect, wharf disconnect: Docker's workflows on
// named network namespaces.
#include <cstdio>
#include <cstdlib>

#include "cli/capability_args.hpp"
#include "cli/command.hpp"
#include "cli/port_mapping.hpp"
#include "cli/result_view.hpp"
#include "cli/run_in_netns.hpp"
#include "cli/sandbox_manager.hpp"
#include "cli/table.hpp"

namespace wharf::cli {

namespace {

using nlohmann::json;

json sandbox_summary(sandbox_manager& m, const sandbox_record& sb) {
    json j = to_json(sb);
    json nets = json::array();
    json ports = json::array();
    for (const auto& a : sb.attachments) {
        auto cached = m.cni().cache().load(a.network, sb.container_id, a.ifname);
        json n = {{"network", a.network}, {"ifname", a.ifname}, {"addresses", json::array()}};
        if (cached) n["addresses"] = sandbox_addresses(cached->result);
        nets.push_back(n);
        for (const auto& p : a.capability_args.value("portMappings", json::array())) ports.push_back(p);
    }
    j["networks"] = nets;
    j["ports"] = ports;
    return j;
}

void print_json(const json& j) { std::printf("%s\n", j.dump(2).c_str()); }

int sandbox_create(const args& a, const settings& s) {
    expect_positional(a, 1, "NAME");
    require_root("wharf sandbox create");
    sandbox_manager m(s);
    auto sb = m.create(a.positional[0], {.mode = net_mode::none});
    std::printf("%s\n", sb.netns.c_str());
    return 0;
}

int sandbox_rm(const args& a, const settings& s) {
    if (a.positional.empty()) throw failure(exit_code::usage, "expected NAME...");
    require_root("wharf sandbox rm");
    sandbox_manager m(s);
    int rc = 0;
    for (const auto& name : a.positional) {
        try {
            m.remove(name, a.has("--force"));
            std::printf("%s\n", name.c_str());
        } catch (const failure& f) {
            std::fprintf(stderr, "wharf: sandbox rm: %s\n", f.what());
            if (!f.hint().empty()) std::fprintf(stderr, "  hint: %s\n", f.hint().c_str());
            rc = static_cast<int>(f.code());
        }
    }
    return rc;
}

int sandbox_ls(const args& a, const settings& s) {
    expect_positional(a, 0, "");
    sandbox_manager m(s);
    json all = json::array();
    table t({"NAME", "NETWORK MODE", "NETWORKS", "PORTS", "NETNS"});
    for (const auto& sb : m.store().list()) {
        json j = sandbox_summary(m, sb);
        all.push_back(j);
        std::string nets, ports;
        for (const auto& n : j["networks"]) {
            nets += (nets.empty() ? "" : ", ") + n["network"].get<std::string>() + ":" + n["ifname"].get<std::string>();
            for (const auto& addr : n["addresses"]) nets += " " + addr.get<std::string>();
        }
        for (const auto& p : j["ports"]) ports += (ports.empty() ? "" : ", ") + to_string(port_mapping_from_json(p));
        std::string mode = to_string(sb.mode) + (sb.mode == net_mode::container ? ":" + sb.joined : "");
        t.add({sb.name, mode, nets.empty() ? "-" : nets, ports.empty() ? "-" : ports, sb.netns.empty() ? "(host)" : sb.netns});
    }
    if (a.has("--json")) print_json(all);
    else std::printf("%s", t.render().c_str());
    return 0;
}

int run_sandbox(const args& a, const settings& s) {
    if (a.positional.size() != 1)
        throw failure(exit_code::usage, "expected NAME (and the command to run after --)", "e.g. wharf run web --net wharf -p 8080:80");
    require_root("wharf run");
    auto net = parse_net_request(a.value("--net").value_or("wharf"));
    json caps = capability_args_from(a, nullptr);
    if (net.mode != net_mode::network && !caps.empty())
        throw failure(exit_code::usage, "-p, --ip, --mac and --cap need --net NETWORK (a CNI network), not --net " +
                                            a.value("--net").value_or(""));
    sandbox_manager m(s);
    auto sb = m.create(a.positional[0], net);
    if (net.mode == net_mode::network) {
        try {
            json result = m.attach(sb, net.network, caps);
            for (const auto& addr : sandbox_addresses(result))
                std::fprintf(stderr, "%s: %s on %s as eth0\n", sb.name.c_str(), addr.c_str(), net.network.c_str());
        } catch (...) {
            try {
                m.remove(sb.name, true);
            } catch (...) {
            }
            throw;
        }
    }
    if (a.command.empty()) {
        std::printf("%s\n", sb.name.c_str());
        return 0;
    }
    int rc = run_in_netns(sb.netns, a.command);
    if (a.has("--rm")) m.remove(sb.name, true);
    return rc;
}

int connect(const args& a, const settings& s) {
    expect_positional(a, 2, "NET NAME");
    require_root("wharf connect");
    sandbox_manager m(s);
    auto sb = m.store().get(a.positional[1]);
    json result = m.attach(sb, a.positional[0], capability_args_from(a, nullptr), a.value("--ifname").value_or(""));
    std::printf("%s\n", result.dump(4).c_str());
    return 0;
}

int disconnect(const args& a, const settings& s) {
    expect_positional(a, 2, "NET NAME");
    require_root("wharf disconnect");
    sandbox_manager m(s);
    auto sb = m.store().get(a.positional[1]);
    m.detach(sb, a.positional[0]);
    return 0;
}

}  // namespace

std::vector<command> sandbox_commands() {
    auto run_options = capability_options();
    run_options.insert(run_options.begin(), {"", "--net", true, "NET", "a network name (default wharf), none, host or container:NAME"});
    run_options.push_back({"", "--rm", false, "", "remove the sandbox when the command exits"});
    auto connect_options = capability_options();
    connect_options.push_back({"", "--ifname", true, "NAME", "interface name inside (default: the next free ethN)"});
    return {
        {"sandbox create", "NAME", "make a named network namespace (with lo up) standing for a container",
         "The namespace is /run/netns/NAME (WHARF_NETNS_DIR), so `ip netns exec NAME ...` works too.", {}, sandbox_create},
        {"sandbox rm", "NAME...", "DEL every network of the sandbox and remove it",
         "Without --force a sandbox whose DEL fails is kept, so nothing leaks; retry after fixing the cause.",
         {{"-f", "--force", false, "", "remove even if a plugin's DEL fails"}}, sandbox_rm},
        {"sandbox ls", "", "list sandboxes with their networks, addresses and published ports", "", {json_option()}, sandbox_ls},
        {"run", "NAME [--net NET] [-p HOST:CTR[/PROTO]] [--ip ADDR] [-- CMD...]",
         "create a sandbox, attach it (like docker run --network), optionally run CMD in it",
         "--net NET attaches eth0 to the CNI network NET (default \"wharf\"); --net none gives only lo;\n"
         "--net host uses the host's namespace; --net container:OTHER joins OTHER's namespace.\n"
         "With -- CMD..., CMD runs inside the namespace and wharf exits with its status.",
         run_options, run_sandbox},
        {"connect", "NET NAME", "attach a sandbox to another network as eth1, eth2... (docker network connect)", "",
         connect_options, connect},
        {"disconnect", "NET NAME", "DEL the sandbox's attachment to NET (docker network disconnect)", "", {}, disconnect},
    };
}

}  // namespace wharf::cli
