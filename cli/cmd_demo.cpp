// wharf demo: Docker's everyday networking shown with real traffic. Two sandboxes on the default
// network, a web server in one, reached from the host and from outside through a published port and
// from the other sandbox by IP; egress masquerade shown by what an "outside" namespace sees; the
// topology printed; everything removed at the end, also on Ctrl-C.
#include <linux/netlink.h>
#include <stdlib.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "base/os_error.hpp"
#include "base/undo_stack.hpp"
#include "cli/app.hpp"
#include "cli/command.hpp"
#include "cli/conf_loader.hpp"
#include "cli/demo_traffic.hpp"
#include "cli/files.hpp"
#include "cli/result_view.hpp"
#include "cli/sandbox_manager.hpp"
#include "log/logging.hpp"
#include "net/prefix.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "sys/sysctl.hpp"

namespace wharf::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

volatile std::sig_atomic_t interrupted = 0;
void on_signal(int) { interrupted = 1; }

void check_interrupt() {
    if (interrupted) throw failure(exit_code::interrupted, "interrupted");
}

void say(const char* fmt, const std::string& a = {}, const std::string& b = {}, const std::string& c = {}) {
    std::printf(fmt, a.c_str(), b.c_str(), c.c_str());
    std::fflush(stdout);
}

std::string strip_length(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

std::string bridge_of(const network_list& list) {
    for (const auto& p : list.plugins)
        if (plugin_type(p) == "bridge") return p.value("bridge", std::string("cni0"));
    return {};
}

bool link_exists(const std::string& name) {
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    return netlink::link::find_link(sock, name).has_value();
}

std::vector<std::string> wharf_tables() {
    std::vector<std::string> out;
    try {
        auto sock = nft::socket::open();
        for (const auto& t : nft::list_tables(sock))
            if (t.name.rfind("wharf", 0) == 0) out.push_back(std::to_string(static_cast<int>(t.fam)) + "/" + t.name);
    } catch (const std::exception&) {
    }
    return out;
}

void remove_new_tables(const std::vector<std::string>& before) {
    auto sock = nft::socket::open();
    for (const auto& t : nft::list_tables(sock)) {
        std::string key = std::to_string(static_cast<int>(t.fam)) + "/" + t.name;
        if (t.name.rfind("wharf", 0) != 0 || std::find(before.begin(), before.end(), key) != before.end()) continue;
        nft::transaction tx(sock);
        tx.remove(nft::table{t.fam, t.name});
        tx.commit();
    }
}

struct check_line {
    std::string what;
    bool ok;
    std::string detail;
};

int demo(const args& a, const settings& env) {
    expect_positional(a, 0, "");
    require_root("wharf demo");
    std::string network = a.value("--network").value_or("wharf");
    std::string conf_dir = a.value("--conf-dir").value_or(env.conf_dir);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        ::sigaction(sig, &sa, nullptr);
    }
    const std::string pid = std::to_string(::getpid());
    // Everything the cleanup steps use is declared before the undo stack, so that it is still alive
    // when the stack unwinds (after an error or Ctrl-C as much as at the end).
    std::vector<std::string> cleaned;
    settings s = env;
    std::optional<sandbox_manager> m;
    std::optional<named_netns_dir> netns_dir;
    std::unique_ptr<http_responder> web_server, world_server;
    bool cleanup_reported = false;
    scope_exit report_cleanup([&] {
        if (cleanup_reported) return;
        std::string removed;
        for (const auto& c : cleaned) removed += (removed.empty() ? "" : ", ") + c;
        std::printf("\ncleanup: removed %s\n", removed.empty() ? "nothing (nothing was made yet)" : removed.c_str());
        std::fflush(stdout);
    });
    undo_stack undo;

    // Private state: result cache, sandbox records, IPAM data and the config copy live in a temp dir.
    std::string tmp_template = "/tmp/wharf-demo.XXXXXX";
    if (!::mkdtemp(tmp_template.data())) throw_errno("create a temporary directory");
    const std::string tmp = tmp_template;
    undo.push("remove " + tmp, [&, tmp] {
        fs::remove_all(tmp);
        cleaned.push_back("temporary files");
    });

    auto original = load_network(conf_dir, network);
    json doc = json::parse(original.bytes);
    if (doc.contains("plugins"))
        for (auto& p : doc["plugins"])
            if (p.contains("ipam") && p["ipam"].is_object()) p["ipam"]["dataDir"] = tmp + "/ipam";
    s.conf_dir = tmp + "/conf";
    s.cache_dir = tmp + "/cache";
    s.state_dir = tmp + "/state";
    make_directories(s.conf_dir, 0700);
    write_file_replacing(s.conf_dir + "/" + fs::path(original.file).filename().string(), doc.dump(2));
    ::setenv("NETCONFPATH", s.conf_dir.c_str(), 1);
    ::setenv("WHARF_CACHE_DIR", s.cache_dir.c_str(), 1);
    ::setenv("WHARF_STATE_DIR", s.state_dir.c_str(), 1);
    auto list = load_network(s.conf_dir, network);
    std::string bridge = bridge_of(list);
    std::string plugins;
    for (const auto& p : list.plugins) plugins += (plugins.empty() ? "" : " -> ") + plugin_type(p);
    std::string path;
    for (const auto& p : s.cni_path) path += (path.empty() ? "" : ":") + p;
    say("wharf demo: network \"%s\" from %s (%s)\n", network, original.file, plugins);
    say("  plugins from %s\n\n", path);

    // What the machine looked like, to put it back.
    bool bridge_existed = !bridge.empty() && link_exists(bridge);
    auto tables_before = wharf_tables();
    std::string forward_before = sys::sysctl::read("net/ipv4/ip_forward");
    std::string localnet_before = sys::sysctl::read("net/ipv4/conf/all/route_localnet");
    undo.push("restore sysctls", [&, forward_before, localnet_before] {
        if (sys::sysctl::read("net/ipv4/ip_forward") != forward_before) {
            sys::sysctl::write("net/ipv4/ip_forward", forward_before);
            cleaned.push_back("net.ipv4.ip_forward back to " + forward_before);
        }
        if (sys::sysctl::read("net/ipv4/conf/all/route_localnet") != localnet_before)
            sys::sysctl::write("net/ipv4/conf/all/route_localnet", localnet_before);
    });
    undo.push("remove nftables tables the demo caused", [&, tables_before] {
        remove_new_tables(tables_before);
    });
    if (!bridge.empty() && !bridge_existed)
        undo.push("remove bridge " + bridge, [&, bridge] {
            auto sock = netlink::socket::open(NETLINK_ROUTE);
            if (netlink::link::remove(sock, bridge)) cleaned.push_back("bridge " + bridge);
        });

    m.emplace(s, /*own_process_group=*/true);
    const std::string web = "web-" + pid, client = "client-" + pid;
    auto make_sandbox = [&](const std::string& name, const json& caps) {
        check_interrupt();
        auto sb = m->create(name, {.mode = net_mode::network, .network = network});
        undo.push("remove sandbox " + name, [&, name] {
            m->remove(name, true);
            cleaned.push_back("sandbox " + name);
        });
        json result = m->attach(sb, network, caps);
        auto addrs = sandbox_addresses(result);
        if (addrs.empty()) throw failure(exit_code::failed, "network " + network + " gave sandbox " + name + " no address");
        return std::make_pair(sb, strip_length(addrs[0]));
    };

    say("[1/5] sandbox %s on %s, publishing host port 8080 -> 80/tcp (like docker run -p 8080:80)\n", web, network);
    json caps = {{"portMappings", json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})}};
    auto [web_sb, web_ip] = make_sandbox(web, caps);
    say("      %s is %s; a web server answers on port 80 inside it\n", web, web_ip);
    web_server = std::make_unique<http_responder>(web_sb.netns, 80, "hello from " + web);
    undo.push("stop web server", [&] { web_server.reset(); });

    say("[2/5] sandbox %s on %s\n", client, network);
    auto [client_sb, client_ip] = make_sandbox(client, json::object());
    say("      %s is %s\n", client, client_ip);

    // The outside world: a namespace behind a veth with private addresses, standing for the internet.
    check_interrupt();
    unsigned p = static_cast<unsigned>(::getpid());
    auto base = net::ip_address::v4((10u << 24) | (201u << 16) | ((p % 256) << 8) | (((p / 256) % 64) * 4));
    const std::string host_addr = base.plus(1).to_string(), world_addr = base.plus(2).to_string();
    const std::string world = "world-" + pid;
    char host_if_buf[16];
    std::snprintf(host_if_buf, sizeof host_if_buf, "wdw%x", p & 0xffffff);
    const std::string host_if = host_if_buf;
    say("[3/5] an \"outside\" namespace %s at %s, reached from the host through %s\n", world, world_addr, host_if);
    netns_dir.emplace(s.netns_dir);
    std::string world_path = netns_dir->create(world);
    undo.push("remove namespace " + world, [&, world] {
        netns_dir->remove(world);
        cleaned.push_back("namespace " + world);
    });
    {
        auto host = netlink::socket::open(NETLINK_ROUTE);
        auto ns = netns::handle::open(world_path);
        netlink::link::create_veth(host, {.name = host_if, .peer_name = "eth0", .peer_netns_fd = ns.fd()});
        undo.push("remove veth " + host_if, [&, host_if] {
            auto sock = netlink::socket::open(NETLINK_ROUTE);
            if (netlink::link::remove(sock, host_if)) cleaned.push_back("veth " + host_if);
        });
        auto hl = netlink::link::get_link(host, host_if);
        netlink::addr::add(host, {.ifindex = hl.index, .address = net::prefix(base.plus(1), 30)});
        netlink::link::set_up(host, hl.index);
        auto inside = netns::open_socket(ns, NETLINK_ROUTE);
        auto eth0 = netlink::link::get_link(inside, "eth0");
        netlink::addr::add(inside, {.ifindex = eth0.index, .address = net::prefix(base.plus(2), 30)});
        netlink::link::set_up(inside, eth0.index);
        netlink::link::set_up(inside, netlink::link::get_link(inside, "lo").index);
    }
    world_server = std::make_unique<http_responder>(world_path, 8080, "hello from the outside world");
    undo.push("stop outside server", [&] { world_server.reset(); });

    say("[4/5] traffic\n");
    std::vector<check_line> checks;
    auto run_check = [&](const std::string& what, const std::string& from, const std::string& ip, std::uint16_t port,
                         const std::string& expect_in_body, const std::string& explain) {
        check_interrupt();
        auto r = http_get(from, ip, port, 3000);
        bool ok = r.ok && r.body.find(expect_in_body) != std::string::npos;
        std::string detail = r.ok ? "\"" + r.body + "\"" : r.error;
        if (ok && !explain.empty()) detail += "\n            " + explain;
        checks.push_back({what, ok, detail});
        std::printf("      %s  %s\n            %s\n", ok ? "ok    " : "FAILED", what.c_str(), detail.c_str());
        std::fflush(stdout);
    };
    run_check(client + " -> " + web + " by IP (" + web_ip + ":80), across bridge " + bridge, client_sb.netns, web_ip, 80,
              "you came from " + client_ip, "");
    run_check("host -> published port " + host_addr + ":8080 -> " + web + ":80", "", host_addr, 8080, "hello from " + web, "");
    run_check("host -> published port 127.0.0.1:8080 -> " + web + ":80", "", "127.0.0.1", 8080, "hello from " + web, "");
    run_check("outside -> published port " + host_addr + ":8080 -> " + web + ":80", world_path, host_addr, 8080,
              "hello from " + web, "");
    run_check(web + " (" + web_ip + ") -> outside " + world_addr + ":8080, egress", web_sb.netns, world_addr, 8080,
              "you came from " + host_addr,
              "the outside saw " + host_addr + ", not " + web_ip + ": masquerade (ipMasq) rewrote the source");

    say("\n[5/5] topology\n");
    {
        std::string w0 = "wharf", w1 = "net", w2 = "inspect", w3 = network;
        char* argv1[] = {w0.data(), w1.data(), w2.data(), w3.data(), nullptr};
        cli::run(4, argv1);
        std::printf("\n");
        std::string i0 = "wharf", i1 = "inspect", i2 = web;
        char* argv2[] = {i0.data(), i1.data(), i2.data(), nullptr};
        cli::run(3, argv2);
        std::fflush(stdout);
    }

    say("\ncleanup\n");
    undo.run();
    std::string removed;
    for (const auto& c : cleaned) removed += (removed.empty() ? "" : ", ") + c;
    say("  removed: %s\n\n", removed);
    cleanup_reported = true;

    std::size_t passed = 0;
    std::string failed;
    for (const auto& c : checks) {
        if (c.ok) ++passed;
        else failed += "\n  - " + c.what + ": " + c.detail;
    }
    if (failed.empty()) {
        std::printf("demo: all %zu checks passed: sandbox to sandbox by IP, published port from the host and from outside, "
                    "egress masquerade; everything it made is removed\n", checks.size());
        return 0;
    }
    std::printf("demo: %zu of %zu checks passed; these did not work:%s\n(everything the demo made is removed)\n", passed,
                checks.size(), failed.c_str());
    return 1;
}

}  // namespace

std::vector<command> demo_commands() {
    return {{"demo", "", "show Docker-style networking with real traffic, then remove everything",
             "Makes two sandboxes on NET (default \"wharf\", from --conf-dir or NETCONFPATH), publishes port 8080 of\n"
             "one, runs a web server in it, and checks: sandbox to sandbox by IP; the published port from the host\n"
             "and from an \"outside\" namespace; egress masquerade (what the outside sees). Prints the topology and\n"
             "removes everything it made (sandboxes, namespaces, veth, the bridge if it made it, nftables tables it\n"
             "caused, sysctls it changed, temporary files), also on Ctrl-C. Traffic stays inside namespaces the\n"
             "demo made and this host. Plugins come from CNI_PATH.",
             {{"", "--conf-dir", true, "DIR", "where the network's configuration is (default NETCONFPATH)"},
              {"", "--network", true, "NET", "the network to use (default wharf)"}},
             demo}};
}

}  // namespace wharf::cli
