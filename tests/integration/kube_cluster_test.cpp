// A simulated Kubernetes cluster on the real kernel: the project's stand-in API server (TLS, bearer
// token, list/watch with bookmarks and 410, status patch) and three or more "nodes", each a network
// namespace with its own wharfd in Kubernetes mode, joined by an underlay namespace standing for the
// data-centre network; pods attached with `wharf add` against the conflist each agent wrote, with the
// plugins each agent installed.
//
//   underlay netns: br0 10.163.0.254/24 fd00:163::fe/64 (segment A; the API server listens here)
//                   br1 10.163.1.254/24 fd00:163:1::fe/64 (segment B), forwarding between them
//   outside netns:  10.163.0.200 on segment A, outside the cluster range
//   node N:         eth0 on A (10.163.0.N, fd00:163::N) or B (10.163.1.N, fd00:163:1::N); pods
//                   10.164.N.0/24 and fd00:163:80:N::/64; cluster 10.164.0.0/16,fd00:163:80::/48
//
// Each node's wharfd has its own WHARF_RUN_DIR, CNI directories and host-local dataDir (a private
// directory bound over /var/lib in the mount namespace of `wharf add`), so nothing on the machine is
// touched. Names are "wkc" + the PID; every namespace is removed and every process stopped by its PID.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "support/background_process.hpp"
#include "support/kube_standin.hpp"
#include "support/sandbox.hpp"
#include "support/source_address.hpp"
#include "support/temp_dir.hpp"
#include "support/watch.hpp"

using namespace wharf::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string cluster_cidr = "10.164.0.0/16,fd00:163:80::/48";

std::string pod_v4(int n) { return "10.164." + std::to_string(n) + ".0/24"; }
std::string pod_v6(int n) { return "fd00:163:80:" + std::to_string(n) + "::/64"; }
// The first address host-local gives on node n (the gateway is .1).
std::string first_pod_v4(int n) { return "10.164." + std::to_string(n) + ".2"; }
std::string first_pod_v6(int n) { return "fd00:163:80:" + std::to_string(n) + "::2"; }

std::size_t count_lines(const std::string& text) {
    std::size_t n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) ++n;
    return n;
}

// One node: its namespace, its address on the underlay, its agent's directories and process.
struct node {
    int n;
    char segment;  // 'A' or 'B'
    netns_sandbox ns{"wkc"};
    temp_dir dir{"wkc-node"};
    std::unique_ptr<background_process> agent;
    std::size_t starts = 0;  // of its agent, each logging into the same file
    std::vector<std::unique_ptr<netns_sandbox>> pods;

    node(int number, char seg) : n(number), segment(seg) {}

    std::string v4() const { return std::string("10.163.") + (segment == 'A' ? "0." : "1.") + std::to_string(n); }
    std::string v6() const { return std::string("fd00:163:") + (segment == 'A' ? ":" : "1::") + std::to_string(n); }
    std::string name() const { return "node-" + std::to_string(n); }
    std::string log_path() const { return dir.path() + "/wharfd.log"; }
    std::string log() const { return read_all(log_path()); }
    std::string conf_dir() const { return dir.path() + "/net.d"; }
    std::string bin_dir() const { return dir.path() + "/bin"; }
    std::string var_lib() const { return dir.path() + "/var-lib"; }
    std::string script(const std::string& command, int* code = nullptr) const { return ns.script(command, code); }
    // Routes the agent made (protocol 87), one per line, sorted, both families.
    std::string agent_routes() const { return script("(ip -4 route show proto 87; ip -6 route show proto 87) | sort"); }
};

struct cluster_world {
    netns_sandbox underlay{"wkc"};
    netns_sandbox outside{"wkc"};
    std::vector<std::unique_ptr<node>> nodes;
    std::unique_ptr<kube_standin> api;
    std::string backend;

    // `segments`: one letter per node, its underlay segment.
    cluster_world(const std::string& backend_name, const std::string& segments) : backend(backend_name) {
        underlay.script("ip link add br0 type bridge && ip link add br1 type bridge && "
                      "ip addr add 10.163.0.254/24 dev br0 && ip addr add 10.163.1.254/24 dev br1 && "
                      "ip addr add fd00:163::fe/64 dev br0 nodad && ip addr add fd00:163:1::fe/64 dev br1 nodad && "
                      "ip link set br0 up && ip link set br1 up && ip link set lo up && "
                      "sysctl -qw net.ipv4.ip_forward=1 && sysctl -qw net.ipv6.conf.all.forwarding=1");
        attach(outside, "br0", "10.163.0.200/24", "fd00:163::c8/64", "10.163.0.254", "fd00:163::fe");
        api = std::make_unique<kube_standin>(kube_standin_options{.address = "10.163.0.254", .netns_path = underlay.path()});
        for (std::size_t i = 0; i < segments.size(); ++i) {
            auto nd = std::make_unique<node>(static_cast<int>(i + 1), segments[i]);
            const bool a = nd->segment == 'A';
            attach(nd->ns, a ? "br0" : "br1", nd->v4() + "/24", nd->v6() + "/64", a ? "10.163.0.254" : "10.163.1.254",
                   a ? "fd00:163::fe" : "fd00:163:1::fe");
            api->put_node(kube_standin::make_node(nd->name(), {pod_v4(nd->n), pod_v6(nd->n)}, {nd->v4(), nd->v6()}));
            nodes.push_back(std::move(nd));
        }
    }

    ~cluster_world() {
        for (auto& nd : nodes)
            if (nd->agent) nd->agent->stop();
    }

    void attach(const netns_sandbox& ns, const std::string& bridge, const std::string& v4, const std::string& v6,
                const std::string& gw4, const std::string& gw6) {
        const std::string port = unique_name("p");
        underlay.script("ip link add " + port + " type veth peer name eth0 netns " + ns.name() + " && ip link set " + port +
                      " master " + bridge + " up");
        ns.script("ip addr add " + v4 + " dev eth0 && ip addr add " + v6 + " dev eth0 nodad && ip link set eth0 up && "
                "ip link set lo up && ip route add default via " + gw4 + " && ip -6 route add default via " + gw6);
    }

    node& at(int n) { return *nodes.at(static_cast<std::size_t>(n - 1)); }

    void start_agent(node& nd, const std::vector<std::string>& extra = {}) {
        ::mkdir(nd.var_lib().c_str(), 0755);
        std::vector<std::string> argv{"/usr/bin/env",
                                      "WHARF_RUN_DIR=" + nd.dir.path() + "/run",
                                      std::string(WHARF_BIN_DIR) + "/wharfd",
                                      "--kubeconfig=" + api->kubeconfig(),
                                      "--node-name=" + nd.name(),
                                      "--cluster-cidr=" + cluster_cidr,
                                      "--backend=" + backend,
                                      "--cni-bin-dir=" + nd.bin_dir(),
                                      "--cni-conf-dir=" + nd.conf_dir(),
                                      "--ipam-dir=" + nd.var_lib() + "/cni/networks",
                                      "--metrics=127.0.0.1:9488",
                                      "--log-level=debug"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        nd.agent = std::make_unique<background_process>(argv, nd.log_path(), nd.ns.path());
        ++nd.starts;
    }

    // Waits until the agent's last start has said that it is in sync.
    void wait_in_sync(node& nd) {
        const std::size_t count = nd.starts;
        const auto synced = [&] {
            std::size_t seen = 0;
            const std::string log = nd.log();
            for (auto at = log.find("in sync with the cluster"); at != std::string::npos;
                 at = log.find("in sync with the cluster", at + 1))
                ++seen;
            return seen >= count;
        };
        REQUIRE_MESSAGE(within(20s, synced), nd.log());
    }

    void start_all() {
        for (auto& nd : nodes) start_agent(*nd);
        for (auto& nd : nodes) wait_in_sync(*nd);
    }

    // `wharf add` on the node's own conflist and plugins, as kubelet's runtime would; the new pod's
    // namespace.
    netns_sandbox& add_pod(node& nd) {
        auto& pod = nd.pods.emplace_back(std::make_unique<netns_sandbox>("wkc"));
        int code = 0;
        const std::string out = nd.script("mount --bind " + nd.var_lib() + " /var/lib && NETCONFPATH=" + nd.conf_dir() +
                                            " CNI_PATH=" + nd.bin_dir() + " WHARF_RUN_DIR=" + nd.dir.path() +
                                            "/run WHARF_CACHE_DIR=" + nd.dir.path() + "/cache " + WHARF_BIN_DIR +
                                            "/wharf add wharf " + pod->path() + " 2>&1",
                                        &code);
        REQUIRE_MESSAGE(code == 0, out);
        return *pod;
    }

    // Waits until `command` succeeds in `ns` (routes take a sync to appear).
    static bool eventually(const netns_sandbox& ns, const std::string& command, std::chrono::milliseconds limit = 15s) {
        return within(limit, [&] {
            int code = 0;
            ns.script(command + " >/dev/null 2>&1", &code);
            return code == 0;
        });
    }
};

// A full-size packet that must not be fragmented, from `from` to `to`: v4 carries 28 bytes of
// headers, v6 48.
bool full_size_ping(const netns_sandbox& from, const std::string& to, unsigned mtu) {
    const bool v6 = to.find(':') != std::string::npos;
    int code = 0;
    from.script(std::string("ping ") + (v6 ? "-6 " : "") + "-M do -c 1 -W 2 -s " + std::to_string(mtu - (v6 ? 48 : 28)) +
                  " " + to + " >/dev/null 2>&1",
              &code);
    return code == 0;
}

unsigned conflist_mtu(const node& nd) {
    const json list = json::parse(read_all(nd.conf_dir() + "/10-wharf.conflist"));
    return list["plugins"][0].value("mtu", 0U);
}

bool network_available(kube_standin& api, const std::string& name) {
    for (const auto& c : api.conditions(name))
        if (c.value("type", "") == "NetworkUnavailable")
            return c.value("status", "") == "False" && c.value("reason", "") == "WharfIsUp";
    return false;
}

// What /readyz answers on the node's loopback: "200" or "503".
std::string readyz(const node& nd) {
    const std::string reply = nd.script("printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' | timeout 3 socat - TCP:127.0.0.1:9488");
    return reply.substr(9, 3);
}

// Checks pod-to-pod across nodes over both families at the pods' MTU, the source kept, and the
// masquerade to outside.
void check_traffic(cluster_world& w, unsigned mtu) {
    auto& p1 = w.add_pod(w.at(1));
    auto& p2 = w.add_pod(w.at(2));
    auto& p3 = w.add_pod(w.at(3));
    CHECK(conflist_mtu(w.at(1)) == mtu);
    for (int to : {2, 3}) {
        CAPTURE(to);
        CHECK(cluster_world::eventually(p1, "ping -c 1 -W 1 " + first_pod_v4(to)));
        CHECK(cluster_world::eventually(p1, "ping -6 -c 1 -W 1 " + first_pod_v6(to)));
        CHECK(full_size_ping(p1, first_pod_v4(to), mtu));
        CHECK(full_size_ping(p1, first_pod_v6(to), mtu));
    }
    CHECK(cluster_world::eventually(p3, "ping -c 1 -W 1 " + first_pod_v4(2)));
    CHECK(source_address_seen(p1, p2, first_pod_v4(2), 18163) == first_pod_v4(1));
    CHECK(source_address_seen(p1, p3, first_pod_v6(3), 18163) == first_pod_v6(1));
    CHECK(source_address_seen(p1, w.outside, "10.163.0.200", 18163) == w.at(1).v4());
}

}  // namespace

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("host-gw: each node's conflist has its own ranges; pods reach pods across nodes over v4 and v6 at 1500") {
    cluster_world w("host-gw", "AAA");
    w.start_all();
    const json list = json::parse(read_all(w.at(2).conf_dir() + "/10-wharf.conflist"));
    const json ranges = list["plugins"][0]["ipam"]["ranges"];
    REQUIRE(ranges.size() == 2);
    CHECK(ranges[0][0]["subnet"] == pod_v4(2));
    CHECK(ranges[1][0]["subnet"] == pod_v6(2));
    CHECK(list["plugins"][0]["ipMasq"] == false);
    CHECK(w.at(1).script("ip route show " + pod_v4(2)).find("via 10.163.0.2 dev eth0 proto 87") != std::string::npos);
    CHECK(w.at(1).script("ip -6 route show " + pod_v6(3)).find("via fd00:163::3 dev eth0 proto 87") != std::string::npos);
    CHECK(w.at(1).script("ip link show wharf.vxlan 2>&1").find("does not exist") != std::string::npos);
    check_traffic(w, 1500);
    for (auto& nd : w.nodes) CHECK(network_available(*w.api, nd->name()));
    CHECK(readyz(w.at(1)) == "200");
}

TEST_CASE("vxlan: pods reach pods across a router over v4 and v6 at the underlay MTU less 50") {
    cluster_world w("vxlan", "AAB");
    w.start_all();
    const std::string link = w.at(1).script("ip -d link show wharf.vxlan");
    CHECK(link.find("vxlan id 1 ") != std::string::npos);
    CHECK(link.find("dstport 4789") != std::string::npos);
    CHECK(link.find("mtu 1450") != std::string::npos);
    CHECK(w.at(1).script("ip route show " + pod_v4(3)).find("dev wharf.vxlan proto 87 onlink") != std::string::npos);
    CHECK(w.at(1).script("bridge fdb show dev wharf.vxlan").find("dst " + w.at(3).v4()) != std::string::npos);
    check_traffic(w, 1450);
}

TEST_CASE("auto: host-gw to the nodes on this node's segment, vxlan to the others") {
    cluster_world w("auto", "AAB");
    w.start_all();
    CHECK(w.at(1).script("ip route show " + pod_v4(2)).find("via 10.163.0.2 dev eth0 proto 87") != std::string::npos);
    CHECK(w.at(1).script("ip route show " + pod_v4(3)).find("dev wharf.vxlan proto 87 onlink") != std::string::npos);
    CHECK(w.at(3).script("ip route show " + pod_v4(1)).find("dev wharf.vxlan proto 87 onlink") != std::string::npos);
    check_traffic(w, 1450);
}

TEST_CASE("a deleted node's routes are withdrawn, also when it was deleted while an agent was down; a new node is routed") {
    cluster_world w("host-gw", "AAAA");
    w.start_all();
    REQUIRE(count_lines(w.at(1).agent_routes()) == 6);  // 3 peers, 2 families
    w.api->delete_node(w.at(4).name());
    CHECK(within(10s, [&] { return w.at(1).agent_routes().find("10.164.4.0/24") == std::string::npos; }));
    CHECK(count_lines(w.at(1).agent_routes()) == 4);

    // Node 3 goes while node 2's agent is down; meanwhile the server compacts, so node 2's agent
    // cannot resume its watch: it relists and finds node 3 gone.
    w.at(2).agent->stop();
    REQUIRE(w.at(2).agent_routes().find("10.164.3.0/24") != std::string::npos);  // a stop flushes nothing
    w.api->delete_node(w.at(3).name());
    w.api->compact();
    w.start_agent(w.at(2));
    w.wait_in_sync(w.at(2));
    CHECK(w.at(2).agent_routes().find("10.164.3.0/24") == std::string::npos);
    CHECK(w.at(2).agent_routes().find("10.164.1.0/24") != std::string::npos);

    // Node 4 comes back: everyone routes to it again, and its pod answers.
    w.api->put_node(kube_standin::make_node(w.at(4).name(), {pod_v4(4), pod_v6(4)}, {w.at(4).v4(), w.at(4).v6()}));
    auto& p1 = w.add_pod(w.at(1));
    auto& p4 = w.add_pod(w.at(4));
    (void)p4;
    CHECK(cluster_world::eventually(p1, "ping -c 1 -W 1 " + first_pod_v4(4)));
}

TEST_CASE("a node waits for its podCIDRs and serves meanwhile; /readyz says so, then the conflist appears") {
    cluster_world w("host-gw", "AA");
    w.api->put_node(kube_standin::make_node(w.at(2).name(), {}, {w.at(2).v4(), w.at(2).v6()}));
    w.start_agent(w.at(2));
    REQUIRE(within(10s, [&] { return w.at(2).log().find("spec.podCIDRs") != std::string::npos; }));
    CHECK(readyz(w.at(2)) == "503");
    CHECK(read_all(w.at(2).conf_dir() + "/10-wharf.conflist").empty());
    CHECK_FALSE(network_available(*w.api, w.at(2).name()));
    w.api->put_node(kube_standin::make_node(w.at(2).name(), {pod_v4(2), pod_v6(2)}, {w.at(2).v4(), w.at(2).v6()}));
    w.wait_in_sync(w.at(2));
    CHECK_FALSE(read_all(w.at(2).conf_dir() + "/10-wharf.conflist").empty());
    CHECK(network_available(*w.api, w.at(2).name()));
    CHECK(readyz(w.at(2)) == "200");
}

TEST_CASE("a hand-deleted route and a deleted VXLAN device are made again") {
    cluster_world w("vxlan", "AAA");
    w.start_all();
    const std::string before = w.at(1).agent_routes();
    w.at(1).script("ip route del " + pod_v4(2));
    CHECK(within(10s, [&] { return w.at(1).agent_routes() == before; }));
    w.at(1).script("ip link del wharf.vxlan");
    CHECK(within(10s, [&] { return w.at(1).agent_routes() == before; }));
    auto& p1 = w.add_pod(w.at(1));
    w.add_pod(w.at(2));
    CHECK(cluster_world::eventually(p1, "ping -c 1 -W 1 " + first_pod_v4(2)));
}

TEST_CASE("an agent restarted by SIGTERM and by SIGKILL changes nothing that is right: a continuous ping loses at most a few packets") {
    cluster_world w("vxlan", "AAA");
    w.start_all();
    auto& p1 = w.add_pod(w.at(1));
    w.add_pod(w.at(2));
    REQUIRE(cluster_world::eventually(p1, "ping -c 1 -W 1 " + first_pod_v4(2)));
    const std::string routes = w.at(1).agent_routes();
    const std::string vxlan = w.at(1).script("ip -o link show wharf.vxlan | cut -d: -f1");  // its ifindex
    const std::string ping_log = w.at(1).dir.path() + "/ping.log";
    background_process ping({"/usr/bin/ping", "-i", "0.02", "-c", "500", "-W", "1", first_pod_v4(2)}, ping_log, p1.path());
    std::this_thread::sleep_for(1s);
    w.at(1).agent->stop();  // SIGTERM
    w.start_agent(w.at(1));
    w.wait_in_sync(w.at(1));
    ::kill(w.at(1).agent->pid(), SIGKILL);
    w.at(1).agent->stop();  // reaps it
    w.start_agent(w.at(1));
    w.wait_in_sync(w.at(1));
    REQUIRE(within(30s, [&] { return !ping.running(); }));
    const std::string out = read_all(ping_log);
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(out, m, std::regex("(\\d+) received")), out);
    CHECK_MESSAGE(std::stoi(m[1]) >= 495, out);
    MESSAGE("a continuous ping across a SIGTERM and a SIGKILL restart of the agent: " << m[1] << " of 500 received");
    CHECK(w.at(1).agent_routes() == routes);
    CHECK(w.at(1).script("ip -o link show wharf.vxlan | cut -d: -f1") == vxlan);
}

TEST_CASE("1,000 nodes in the server: one agent routes to the 999 others; its sync time and memory") {
    netns_sandbox underlay{"wkc"};
    netns_sandbox host{"wkc"};
    temp_dir dir{"wkc-1000"};
    underlay.script("ip link add br0 type bridge && ip addr add 10.163.255.254/16 dev br0 && ip link set br0 up && ip link set lo up");
    underlay.script("ip link add p1 type veth peer name eth0 netns " + host.name() + " && ip link set p1 master br0 up");
    host.script("ip addr add 10.163.0.1/16 dev eth0 && ip link set eth0 up && ip link set lo up");
    kube_standin api(kube_standin_options{.address = "10.163.255.254", .netns_path = underlay.path()});
    json all = json::array();
    for (int i = 0; i < 1000; ++i) {
        const std::string cidr = "10." + std::to_string(168 + i / 256) + "." + std::to_string(i % 256) + ".0/24";
        const std::string ip = "10.163." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
        all.push_back(kube_standin::make_node("node-" + std::to_string(i), {cidr}, {ip}));
    }
    api.put_nodes(all);
    const auto start = std::chrono::steady_clock::now();
    background_process agent({"/usr/bin/env", "WHARF_RUN_DIR=" + dir.path() + "/run", std::string(WHARF_BIN_DIR) + "/wharfd",
                              "--kubeconfig=" + api.kubeconfig(), "--node-name=node-0", "--cluster-cidr=10.168.0.0/14",
                              "--backend=host-gw", "--cni-bin-dir=" + dir.path() + "/bin",
                              "--cni-conf-dir=" + dir.path() + "/net.d", "--ipam-dir=" + dir.path() + "/ipam"},
                             dir.path() + "/wharfd.log", host.path());
    REQUIRE_MESSAGE(within(60s, [&] { return read_all(dir.path() + "/wharfd.log").find("in sync with the cluster (999") != std::string::npos; }),
                    read_all(dir.path() + "/wharfd.log"));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    CHECK(count_lines(host.script("ip route show proto 87")) == 999);
    std::string rss;
    std::ifstream status("/proc/" + std::to_string(agent.pid()) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) rss = line.substr(6);
    const std::string log = read_all(dir.path() + "/wharfd.log");
    std::smatch sync;
    std::regex_search(log, sync, std::regex("route change\\(s\\), ([0-9.]+) ms\\)"));
    MESSAGE("1,000 nodes: the first sync (999 routes, masquerade, conflist, status patch) " << sync[1] << " ms; from start "
            "(plugins installed, TLS, list of 1,000 Nodes) " << took.count() << " ms; VmRSS" << rss);
    CHECK_FALSE(rss.empty());
}
