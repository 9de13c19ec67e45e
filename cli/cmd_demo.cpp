// wharf demo: Docker's everyday networking shown with real traffic. Two sandboxes on the default
// network, a web server in one, reached from the host and from outside through a published port and
// from the other sandbox by IP; egress masquerade shown by what an "outside" namespace sees; the
// topology printed; everything removed at the end, also on Ctrl-C.
#include <linux/netlink.h>
#include <stdlib.h>
#include <unistd.h>

#include <fmt/ranges.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
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
#include "netlink/netfilter_socket.hpp"
#include "net/prefix.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "sys/sysctl.hpp"

namespace wharf::cli {

namespace {

constexpr const char* built_in_conflist =
#include "demo_network.inc"
    ;

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

bool link_exists(const std::string& name) {
    auto sock = netlink::socket::open(NETLINK_ROUTE);
    return netlink::link::find_link(sock, name).has_value();
}

std::vector<std::string> wharf_tables() {
    std::vector<std::string> out;
    try {
        auto sock = netlink::netfilter_socket();
        for (const auto& t : nft::list_tables(sock))
            if (t.name.rfind("wharf", 0) == 0) out.push_back(std::to_string(static_cast<int>(t.fam)) + "/" + t.name);
    } catch (const std::exception&) {
    }
    return out;
}

void remove_new_tables(const std::vector<std::string>& before) {
    auto sock = netlink::netfilter_socket();
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

struct sandbox_on_network {
    sandbox_record sb;
    std::string ip;  // its first address, without the prefix length
};

// One run of the demo, stage by stage. Everything a cleanup step uses is a member declared before
// `undo_`, so it is still alive when the stack unwinds (after an error or Ctrl-C as much as at the end).
class demo_run {
public:
    // `built_in_allowed`: NET was not chosen, so the demo's own network may stand in for a missing one.
    demo_run(settings env, std::string network, bool built_in_allowed)
        : s_(std::move(env)), network_(std::move(network)), built_in_allowed_(built_in_allowed) {}

    int run(const std::string& conf_dir) {
        use_private_state(conf_dir);
        remember_the_machine();
        m_.emplace(s_, /*own_process_group=*/true);
        const std::string pid = std::to_string(::getpid());
        const std::string web = "web-" + pid, client = "client-" + pid;

        say("[1/5] sandbox %s on %s, publishing host port 8080 -> 80/tcp (like docker run -p 8080:80)\n", web, network_);
        json caps = {{"portMappings", json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})}};
        const auto web_sb = make_sandbox(web, caps);
        say("      %s is %s; a web server answers on port 80 inside it\n", web, web_sb.ip);
        web_server_ = std::make_unique<http_responder>(web_sb.sb.netns, 80, "hello from " + web);
        undo_.push("stop web server", [this] { web_server_.reset(); });

        say("[2/5] sandbox %s on %s\n", client, network_);
        const auto client_sb = make_sandbox(client, json::object());
        say("      %s is %s\n", client, client_sb.ip);

        make_outside_world();

        say("[4/5] traffic\n");
        check_traffic(web, web_sb, client, client_sb);

        say("\n[5/5] topology\n");
        show_topology(web);

        say("\ncleanup\n");
        undo_.run();
        say("  removed: %s\n\n", fmt::format("{}", fmt::join(cleaned_, ", ")));
        cleanup_reported_ = true;
        return verdict();
    }

private:
    // Result cache, sandbox records, IPAM data and a copy of the network's config in a temp dir.
    void use_private_state(const std::string& conf_dir) {
        std::string tmp_template = "/tmp/wharf-demo.XXXXXX";
        if (!::mkdtemp(tmp_template.data())) throw_errno("create a temporary directory");
        const std::string tmp = tmp_template;
        undo_.push("remove " + tmp, [this, tmp] {
            fs::remove_all(tmp);
            cleaned_.push_back("temporary files");
        });

        auto original = find_network(conf_dir);
        json doc = json::parse(original.bytes);
        if (doc.contains("plugins"))
            for (auto& p : doc["plugins"])
                if (p.contains("ipam") && p["ipam"].is_object()) p["ipam"]["dataDir"] = tmp + "/ipam";
        s_.conf_dir = tmp + "/conf";
        s_.cache_dir = tmp + "/cache";
        s_.state_dir = tmp + "/state";
        make_directories(s_.conf_dir, 0700);
        write_file_replacing(s_.conf_dir + "/" + network_ + ".conflist", doc.dump(2));
        ::setenv("NETCONFPATH", s_.conf_dir.c_str(), 1);
        ::setenv("WHARF_CACHE_DIR", s_.cache_dir.c_str(), 1);
        ::setenv("WHARF_STATE_DIR", s_.state_dir.c_str(), 1);
        auto list = load_network(s_.conf_dir, network_);
        bridge_ = bridge_of(list);
        std::vector<std::string> types;
        for (const auto& p : list.plugins) types.push_back(plugin_type(p));
        say("wharf demo: network \"%s\" from %s (%s)\n", network_, original.file, fmt::format("{}", fmt::join(types, " -> ")));
        say("  plugins from %s\n\n", fmt::format("{}", fmt::join(s_.cni_path, ":")));
    }

    // NET from the configuration directory; when NET was not chosen and the directory does not define
    // it (a machine where Wharf was just installed), the network the demo carries.
    network_list find_network(const std::string& conf_dir) {
        try {
            return load_network(conf_dir, network_);
        } catch (const failure& e) {
            if (e.code() != exit_code::not_found || !built_in_allowed_) throw;
            say("wharf demo: %s; using the demo's own (conf-examples/10-wharf-bridge.conflist)\n", e.what());
            network_list list = parse_conflist(built_in_conflist, "10-wharf-bridge.conflist");
            list.file = "the demo's built-in 10-wharf-bridge.conflist";
            return list;
        }
    }

    // What the machine looked like, to put it back.
    void remember_the_machine() {
        const bool bridge_existed = !bridge_.empty() && link_exists(bridge_);
        auto tables_before = wharf_tables();
        std::string forward_before = sys::sysctl::read("net/ipv4/ip_forward");
        std::string localnet_before = sys::sysctl::read("net/ipv4/conf/all/route_localnet");
        undo_.push("restore sysctls", [this, forward_before, localnet_before] {
            if (sys::sysctl::read("net/ipv4/ip_forward") != forward_before) {
                sys::sysctl::write("net/ipv4/ip_forward", forward_before);
                cleaned_.push_back("net.ipv4.ip_forward back to " + forward_before);
            }
            if (sys::sysctl::read("net/ipv4/conf/all/route_localnet") != localnet_before)
                sys::sysctl::write("net/ipv4/conf/all/route_localnet", localnet_before);
        });
        undo_.push("remove nftables tables the demo caused", [tables_before] { remove_new_tables(tables_before); });
        if (!bridge_.empty() && !bridge_existed)
            undo_.push("remove bridge " + bridge_, [this] {
                auto sock = netlink::socket::open(NETLINK_ROUTE);
                if (netlink::link::remove(sock, bridge_)) cleaned_.push_back("bridge " + bridge_);
            });
    }

    sandbox_on_network make_sandbox(const std::string& name, const json& caps) {
        check_interrupt();
        auto sb = m_->create(name, {.mode = net_mode::network, .network = network_});
        undo_.push("remove sandbox " + name, [this, name] {
            m_->remove(name, true);
            cleaned_.push_back("sandbox " + name);
        });
        json result = m_->attach(sb, network_, caps);
        auto addrs = sandbox_addresses(result);
        if (addrs.empty()) throw failure(exit_code::failed, "network " + network_ + " gave sandbox " + name + " no address");
        return {sb, strip_length(addrs[0])};
    }

    // A namespace behind a veth with private addresses, standing for the internet.
    void make_outside_world() {
        check_interrupt();
        const unsigned p = static_cast<unsigned>(::getpid());
        const auto base = net::ip_address::v4((10u << 24) | (201u << 16) | ((p % 256) << 8) | (((p / 256) % 64) * 4));
        host_addr_ = base.plus(1).to_string();
        world_addr_ = base.plus(2).to_string();
        const std::string world = "world-" + std::to_string(p);
        char host_if_buf[16];
        std::snprintf(host_if_buf, sizeof host_if_buf, "wdw%x", p & 0xffffff);
        const std::string host_if = host_if_buf;
        say("[3/5] an \"outside\" namespace %s at %s, reached from the host through %s\n", world, world_addr_, host_if);
        netns_dir_.emplace(s_.netns_dir);
        world_path_ = netns_dir_->create(world);
        undo_.push("remove namespace " + world, [this, world] {
            netns_dir_->remove(world);
            cleaned_.push_back("namespace " + world);
        });
        auto host = netlink::socket::open(NETLINK_ROUTE);
        auto ns = netns::handle::open(world_path_);
        netlink::link::create_veth(host, {.name = host_if, .peer_name = "eth0", .peer_netns_fd = ns.fd()});
        undo_.push("remove veth " + host_if, [this, host_if] {
            auto sock = netlink::socket::open(NETLINK_ROUTE);
            if (netlink::link::remove(sock, host_if)) cleaned_.push_back("veth " + host_if);
        });
        auto hl = netlink::link::get_link(host, host_if);
        netlink::addr::add(host, {.ifindex = hl.index, .address = net::prefix(base.plus(1), 30)});
        netlink::link::set_up(host, hl.index);
        auto inside = netns::open_socket(ns, NETLINK_ROUTE);
        auto eth0 = netlink::link::get_link(inside, "eth0");
        netlink::addr::add(inside, {.ifindex = eth0.index, .address = net::prefix(base.plus(2), 30)});
        netlink::link::set_up(inside, eth0.index);
        netlink::link::set_up(inside, netlink::link::get_link(inside, "lo").index);
        world_server_ = std::make_unique<http_responder>(world_path_, 8080, "hello from the outside world");
        undo_.push("stop outside server", [this] { world_server_.reset(); });
    }

    void check(const std::string& what, const std::string& from, const std::string& ip, std::uint16_t port,
               const std::string& expect_in_body, const std::string& explain = {}) {
        check_interrupt();
        auto r = http_get(from, ip, port, 3000);
        bool ok = r.ok && r.body.find(expect_in_body) != std::string::npos;
        std::string detail = r.ok ? "\"" + r.body + "\"" : r.error;
        if (ok && !explain.empty()) detail += "\n            " + explain;
        checks_.push_back({what, ok, detail});
        std::printf("      %s  %s\n            %s\n", ok ? "ok    " : "FAILED", what.c_str(), detail.c_str());
        std::fflush(stdout);
    }

    void check_traffic(const std::string& web, const sandbox_on_network& web_sb, const std::string& client,
                       const sandbox_on_network& client_sb) {
        check(client + " -> " + web + " by IP (" + web_sb.ip + ":80), across bridge " + bridge_, client_sb.sb.netns,
              web_sb.ip, 80, "you came from " + client_sb.ip);
        check("host -> published port " + host_addr_ + ":8080 -> " + web + ":80", "", host_addr_, 8080, "hello from " + web);
        check("host -> published port 127.0.0.1:8080 -> " + web + ":80", "", "127.0.0.1", 8080, "hello from " + web);
        check("outside -> published port " + host_addr_ + ":8080 -> " + web + ":80", world_path_, host_addr_, 8080,
              "hello from " + web);
        check(web + " (" + web_sb.ip + ") -> outside " + world_addr_ + ":8080, egress", web_sb.sb.netns, world_addr_, 8080,
              "you came from " + host_addr_,
              "the outside saw " + host_addr_ + ", not " + web_sb.ip + ": masquerade (ipMasq) rewrote the source");
    }

    void show_topology(const std::string& web) {
        std::string w0 = "wharf", w1 = "net", w2 = "inspect", w3 = network_;
        char* argv1[] = {w0.data(), w1.data(), w2.data(), w3.data(), nullptr};
        cli::run(4, argv1);
        std::printf("\n");
        std::string i0 = "wharf", i1 = "inspect", i2 = web;
        char* argv2[] = {i0.data(), i1.data(), i2.data(), nullptr};
        cli::run(3, argv2);
        std::fflush(stdout);
    }

    int verdict() const {
        std::size_t passed = 0;
        std::string failed;
        for (const auto& c : checks_) {
            if (c.ok) ++passed;
            else failed += "\n  - " + c.what + ": " + c.detail;
        }
        if (failed.empty()) {
            std::printf("demo: all %zu checks passed: sandbox to sandbox by IP, published port from the host and from "
                        "outside, egress masquerade; everything it made is removed\n", checks_.size());
            return 0;
        }
        std::printf("demo: %zu of %zu checks passed; these did not work:%s\n(everything the demo made is removed)\n", passed,
                    checks_.size(), failed.c_str());
        return 1;
    }

    void report_cleanup_once() {
        if (cleanup_reported_) return;
        const std::string removed = fmt::format("{}", fmt::join(cleaned_, ", "));
        std::printf("\ncleanup: removed %s\n", removed.empty() ? "nothing (nothing was made yet)" : removed.c_str());
        std::fflush(stdout);
    }

    settings s_;
    const std::string network_;
    const bool built_in_allowed_;
    std::string bridge_;
    std::string host_addr_, world_addr_, world_path_;
    std::vector<check_line> checks_;
    std::vector<std::string> cleaned_;
    std::optional<sandbox_manager> m_;
    std::optional<named_netns_dir> netns_dir_;
    std::unique_ptr<http_responder> web_server_, world_server_;
    bool cleanup_reported_ = false;
    scope_exit<std::function<void()>> report_cleanup_{[this] { report_cleanup_once(); }};
    undo_stack undo_;  // last: it unwinds first, while everything above is alive
};

int demo(const args& a, const settings& env) {
    expect_positional(a, 0, "");
    require_root("wharf demo");
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        ::sigaction(sig, &sa, nullptr);
    }
    // Without CNI_PATH, the plugins installed beside `wharf` (a build's bin/) come first.
    settings s = env;
    s.cni_path = plugin_search_path(env);
    const auto network = a.value("--network");
    demo_run run(s, network.value_or("wharf"), !network);
    return run.run(a.value("--conf-dir").value_or(env.conf_dir));
}

}  // namespace

std::vector<command> demo_commands() {
    return {{"demo", "", "show Docker-style networking with real traffic, then remove everything",
             "Makes two sandboxes on NET (default \"wharf\", from --conf-dir or NETCONFPATH), publishes port 8080 of\n"
             "one, runs a web server in it, and checks: sandbox to sandbox by IP; the published port from the host\n"
             "and from an \"outside\" namespace; egress masquerade (what the outside sees). Prints the topology and\n"
             "removes everything it made (sandboxes, namespaces, veth, the bridge if it made it, nftables tables it\n"
             "caused, sysctls it changed, temporary files), also on Ctrl-C. Traffic stays inside namespaces the\n"
             "demo made and this host. Without a configuration of the default network, the demo uses its own\n"
             "(conf-examples/10-wharf-bridge.conflist). Plugins come from CNI_PATH, or else from the directory\n"
             "of `wharf` itself, then /opt/cni/bin.",
             {{"", "--conf-dir", true, "DIR", "where the network's configuration is (default NETCONFPATH)"},
              {"", "--network", true, "NET", "the network to use (default wharf)"}},
             demo}};
}

}  // namespace wharf::cli
