// containerd's CRI plugin runs Wharf's plugins as on a Kubernetes node: kubelet's calls
// (RunPodSandbox, PodSandboxStatus, StopPodSandbox, RemovePodSandbox) go over gRPC to a private
// containerd, which execs bridge, host-local, portmap and loopback through go-cni/libcni. containerd
// runs inside a throwaway namespace standing for the host; an "outside" namespace, joined to it by a
// veth, stands for a remote client.
//
// WHARF_CRI_PLUGINS=reference runs the same scenario against the reference plugins in /usr/lib/cni
// (a development aid: it skips the assertions on Wharf's log).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "containerd_instance.hpp"
#include "cri_client.hpp"
#include "json/json.hpp"
#include "support/bridge_world.hpp"

namespace {

using nlohmann::json;
using namespace wharf::test;
using namespace std::chrono_literals;

bool reference_plugins() {
    const char* v = std::getenv("WHARF_CRI_PLUGINS");
    return v && std::string(v) == "reference";
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string sh_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Host ports for this process, in 18000-27999: four per process (two pods in each of two scenarios).
unsigned host_port(unsigned index) { return 18000 + (static_cast<unsigned>(::getpid()) % 2500) * 4 + index; }

// Whether `text` names `token` (an address, a port, a prefix) as a whole: no digit or dot around it.
bool names(const std::string& text, const std::string& token) {
    std::string escaped;
    for (char c : token) escaped += (c == '.' ? std::string("\\.") : std::string(1, c));
    return std::regex_search(text, std::regex("(^|[^0-9.])" + escaped + "($|[^0-9])"));
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

// Runs a shell command line inside a pod's network namespace, from the test's mount namespace (where
// containerd bind-mounted the pod's netns file).
std::string in_pod(const std::string& netns, const std::string& command, int* rc = nullptr) {
    return run_shell("nsenter --net=" + sh_quote(netns) + " sh -c " + sh_quote(command), rc);
}

std::string tcp_client(unsigned port, const std::string& host) {
    return "timeout 5 socat -T2 - TCP:" + host + ":" + std::to_string(port) + ",connect-timeout=2 </dev/null 2>/dev/null";
}

// Background listeners (socat), killed by PID on destruction.
class listeners {
public:
    listeners() = default;
    listeners(const listeners&) = delete;
    listeners& operator=(const listeners&) = delete;
    ~listeners() {
        for (const auto& pid : pids_) run_shell("kill " + pid + " 2>/dev/null");
    }
    // `enter` is the command prefix that enters a namespace (e.g. "nsenter --net=/x"); `reply` is a shell
    // word socat's SYSTEM runs for each connection.
    void tcp(const std::string& enter, unsigned port, const std::string& reply) {
        const std::string p = std::to_string(port);
        std::string pid = trim(run_shell(enter + " socat TCP-LISTEN:" + p + ",fork,reuseaddr SYSTEM:" + sh_quote(reply) +
                                         " >/dev/null 2>&1 </dev/null & echo $!"));
        REQUIRE_MESSAGE(!pid.empty(), "listener on ", p);
        pids_.push_back(pid);
        run_shell(enter + " sh -c " +
                  sh_quote("for i in $(seq 100); do ss -Hltn sport = :" + p + " | grep -q . && break; sleep 0.02; done"));
    }

private:
    std::vector<std::string> pids_;
};

struct pod {
    std::string id;
    std::string name;
    unsigned host_port = 0;
    std::string ip;
    std::string netns;      // the pod's netns file (under containerd's state dir)
    std::string host_veth;  // the host end of its veth, in the host namespace
};

// A pod sandbox that is stopped and removed on destruction unless the test removed it.
class pod_guard {
public:
    pod_guard(wharf::cri::client*& c, std::string id) : client_(c), id_(std::move(id)) {}
    ~pod_guard() {
        if (id_.empty() || !client_) return;
        try {
            client_->stop_pod_sandbox(id_);
            client_->remove_pod_sandbox(id_);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "pod_guard: %s: %s\n", id_.c_str(), e.what());
        }
    }
    pod_guard(const pod_guard&) = delete;
    pod_guard& operator=(const pod_guard&) = delete;
    void release() { id_.clear(); }

private:
    wharf::cri::client*& client_;
    std::string id_;
};

// The conflist a node would have, on the world's bridge, subnet and IPAM dir. With `mixed_case`, every
// key of the plugins' configs is written as Go's case-insensitive encoding/json also accepts it. The
// list's own keys (cniVersion, name, plugins) and capability names stay as they are: libcni reads those
// from a map, whose keys match exactly.
json conflist(const bridge_world& w, const std::string& network, const std::string& log_file, bool mixed_case) {
    auto k = [&](const char* lower, const char* mixed) { return std::string(mixed_case ? mixed : lower); };
    json ipam = {{k("type", "Type"), "host-local"},
                 {k("dataDir", "DataDir"), w.data_dir},
                 {k("ranges", "Ranges"), json::array({json::array({{{k("subnet", "Subnet"), w.subnet4}}})})},
                 {k("routes", "Routes"), json::array({{{k("dst", "Dst"), "0.0.0.0/0"}}})}};
    json bridge = {{k("type", "Type"), "bridge"},
                   {k("bridge", "Bridge"), w.bridge},
                   {k("isGateway", "IsGateway"), true},
                   {k("ipMasq", "IPMasq"), true},
                   {k("hairpinMode", "HairpinMode"), true},
                   {k("logFile", "LogFile"), log_file},
                   {k("logLevel", "LogLevel"), "debug"},
                   {k("ipam", "IPAM"), ipam}};
    json portmap = {{k("type", "Type"), "portmap"},
                    {k("capabilities", "Capabilities"), {{"portMappings", true}}},
                    {k("logFile", "LogFile"), log_file},
                    {k("logLevel", "LogLevel"), "debug"}};
    return {{"cniVersion", "1.0.0"}, {"name", network}, {"plugins", json::array({bridge, portmap})}};
}

// The host end of the pod's eth0: its peer's ifindex, looked up in the host namespace.
std::string host_veth_of(const bridge_world& w, const std::string& netns) {
    std::string link = in_pod(netns, "ip -o link show eth0");
    std::smatch m;
    if (!std::regex_search(link, m, std::regex("eth0@if([0-9]+):"))) return {};
    std::string host = w.in_host("ip -o link show | grep '^" + m[1].str() + ": '");
    if (!std::regex_search(host, m, std::regex("^[0-9]+: ([^:@]+)"))) return {};
    return m[1].str();
}

// Everything the scenario needs to know about a running pod, from CRI's verbose status.
pod describe(wharf::cri::client& c, const bridge_world& w, const std::string& id, const std::string& name, unsigned port) {
    auto st = c.pod_sandbox_status(id, true);
    CHECK(st.state == wharf::cri::sandbox_state::ready);
    CHECK(st.name == name);
    pod p{.id = id, .name = name, .host_port = port, .ip = st.ip};
    REQUIRE_MESSAGE(st.info.count("info"), "verbose PodSandboxStatus has no info");
    json info = json::parse(st.info["info"], nullptr, false);
    REQUIRE_MESSAGE(info.is_object(), st.info["info"]);
    for (const auto& ns : info["runtimeSpec"]["linux"]["namespaces"])
        if (ns.value("type", "") == "network") p.netns = ns.value("path", "");
    REQUIRE_MESSAGE(!p.netns.empty(), "no network namespace path in ", st.info["info"]);
    p.host_veth = host_veth_of(w, p.netns);
    REQUIRE_MESSAGE(!p.host_veth.empty(), "no host veth for ", p.netns);
    return p;
}

// The lines of Wharf's plugin log about one container: "<plugin> <command> netns=<path> ifname=<name>
// prevResult=<yes|no>" each; `args` collects the CNI_ARGS each call had.
std::vector<std::string> cni_calls(const std::string& log_file, const std::string& container_id,
                                   std::vector<std::string>* args = nullptr) {
    std::vector<std::string> out;
    std::ifstream in(log_file);
    std::string line;
    // "2026-01-01T00:00:00.000 bridge[123] debug: ADD container=<id> netns=<path> ifname=eth0 network=<name>
    //  args=<CNI_ARGS> prevResult=<yes|no>"
    const std::regex call(
        R"(^\S+ ([a-z-]+)\[\d+\] debug: (ADD|DEL|CHECK) container=(\S+) netns=(\S*) ifname=(\S*) network=\S+ args=(\S*) prevResult=(yes|no))");
    std::smatch m;
    while (std::getline(in, line)) {
        if (!std::regex_search(line, m, call) || m[3] != container_id) continue;
        out.push_back(m[1].str() + " " + m[2].str() + " netns=" + m[4].str() + " ifname=" + m[5].str() +
                      " prevResult=" + m[7].str());
        if (args) args->push_back(m[6].str());
    }
    return out;
}

std::vector<std::string> calls_of(const std::vector<std::string>& calls, const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& c : calls)
        if (c.starts_with(prefix)) out.push_back(c);
    return out;
}

// Printed with a failed assertion: what Wharf's plugins logged and the end of containerd's log.
struct failure_logs {
    const containerd_instance* ctd;
    std::string cni_log;
};

std::ostream& operator<<(std::ostream& os, const failure_logs& l) {
    std::ifstream in(l.cni_log);
    std::ostringstream cni;
    cni << in.rdbuf();
    std::string log = l.ctd->log();
    std::size_t from = log.size() > 6000 ? log.find('\n', log.size() - 6000) + 1 : 0;
    return os << "\n--- CNI log " << l.cni_log << " ---\n" << cni.str() << "--- containerd log (tail) ---\n"
              << log.substr(from);
}

// Waits up to `limit` for `done` to hold; returns its last answer.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 5s) {
    for (auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
        if (done()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return done();
}

void run_scenario(bool mixed_case, unsigned first_port) {
    bridge_world w;
    const outside_world& out = w.outside();

    containerd_instance ctd({.host_netns = w.host.path(),
                             .cni_bin_dir = reference_plugins() ? "/usr/lib/cni" : WHARF_BIN_DIR});
    const std::string network = unique_name("wcri");
    const std::string log_file = ctd.dir() + "/cni.log";
    ctd.write_cni_config("10-wharf.conflist", conflist(w, network, log_file, mixed_case).dump(2));
    // Read only if an assertion fails (doctest stringifies INFO lazily).
    INFO(failure_logs{&ctd, log_file});
    ctd.start();

    wharf::cri::client* c = nullptr;
    auto cri = std::make_unique<wharf::cri::client>(ctd.endpoint());
    c = cri.get();
    auto v = c->version();
    CHECK(v.runtime_name == "containerd");
    CHECK(v.runtime_api_version == "v1");

    auto run = [&](const std::string& stem, unsigned port) {
        std::string name = stem + "-" + std::to_string(::getpid());
        std::string id = c->run_pod_sandbox({.name = name,
                                             .uid = name + "-uid",
                                             .ns = "wharf-test",
                                             .log_directory = ctd.dir() + "/pods/" + name,
                                             .port_mappings = {{.host_port = static_cast<int>(port), .container_port = 80}},
                                             .cgroup_parent = ctd.cgroup_parent()});
        return std::pair{id, name};
    };
    auto [id_a, name_a] = run("wharf-a", first_port);
    pod_guard guard_a(c, id_a);
    auto [id_b, name_b] = run("wharf-b", first_port + 1);
    pod_guard guard_b(c, id_b);
    pod a = describe(*c, w, id_a, name_a, first_port);
    pod b = describe(*c, w, id_b, name_b, first_port + 1);

    // Distinct addresses from the conflist's subnet.
    const std::string subnet_base = w.subnet4.substr(0, w.subnet4.rfind('.') + 1);  // "10.x.y."
    CHECK(a.ip.starts_with(subnet_base));
    CHECK(b.ip.starts_with(subnet_base));
    CHECK(a.ip != b.ip);
    CHECK(a.host_veth != b.host_veth);
    auto reserved = w.reservations(network);
    CHECK(std::count(reserved.begin(), reserved.end(), a.ip) == 1);
    CHECK(std::count(reserved.begin(), reserved.end(), b.ip) == 1);

    // containerd's own cni-loopback network (the loopback plugin, ifname lo) brought lo up in each pod.
    CHECK(in_pod(a.netns, "ip -o link show lo").find("LOWER_UP") != std::string::npos);
    CHECK(in_pod(b.netns, "ip -o link show lo").find("LOWER_UP") != std::string::npos);

    listeners ls;
    ls.tcp("nsenter --net=" + sh_quote(a.netns), 80, "echo pod-a");
    ls.tcp("nsenter --net=" + sh_quote(b.netns), 80, "echo pod-b");
    ls.tcp("ip netns exec " + out.ns->name(), 8080, "echo $SOCAT_PEERADDR");

    auto from_outside = [&](const pod& p) { return trim(in_netns(*out.ns, tcp_client(p.host_port, out.host_ip))); };

    // Pod to pod, straight over the bridge.
    CHECK(trim(in_pod(a.netns, tcp_client(80, b.ip))) == "pod-b");
    CHECK(trim(in_pod(b.netns, tcp_client(80, a.ip))) == "pod-a");
    // Host ports: from the outside namespace, from the host namespace, from 127.0.0.1 in it.
    CHECK(from_outside(a) == "pod-a");
    CHECK(from_outside(b) == "pod-b");
    CHECK(trim(w.in_host(tcp_client(a.host_port, out.host_ip))) == "pod-a");
    CHECK(trim(w.in_host(tcp_client(b.host_port, "127.0.0.1"))) == "pod-b");
    CHECK(trim(w.in_host(tcp_client(a.host_port, "127.0.0.1"))) == "pod-a");
    // Hairpin: a pod through its own host port; and a pod through the other's.
    CHECK(trim(in_pod(a.netns, tcp_client(a.host_port, out.host_ip))) == "pod-a");
    CHECK(trim(in_pod(b.netns, tcp_client(a.host_port, out.host_ip))) == "pod-a");
    // Egress is masqueraded: the outside sees the host's address.
    CHECK(trim(in_pod(a.netns, tcp_client(8080, out.outside_ip))) == out.host_ip);
    CHECK(trim(in_pod(b.netns, tcp_client(8080, out.outside_ip))) == out.host_ip);

    // The observer sees the pods in the host's nftables (so its "gone" below means something).
    std::string rules = w.ruleset();
    CHECK(names(rules, a.ip));
    CHECK(names(rules, std::to_string(a.host_port)));
    CHECK(names(rules, b.ip));

    // libcni caches each attachment's result on the real host (containerd 1.6 cannot move the cache);
    // the first DEL's prevResult comes from there.
    CHECK(exists("/var/lib/cni/results/" + network + "-" + a.id + "-eth0"));
    CHECK(exists("/var/lib/cni/results/cni-loopback-" + a.id + "-lo"));

    // Stop releases everything of A and nothing of B.
    c->stop_pod_sandbox(a.id);
    reserved = w.reservations(network);
    CHECK(std::count(reserved.begin(), reserved.end(), a.ip) == 0);
    CHECK(std::count(reserved.begin(), reserved.end(), b.ip) == 1);
    int rc = 0;
    w.in_host("ip link show " + a.host_veth + " 2>/dev/null", &rc);
    CHECK_MESSAGE(rc != 0, "host veth ", a.host_veth, " outlived Stop");
    CHECK_MESSAGE(!exists(a.netns), "netns ", a.netns, " outlived Stop");
    auto mounts = ctd.mounts();
    CHECK(std::find(mounts.begin(), mounts.end(), a.netns) == mounts.end());
    rules = w.ruleset();
    CHECK_MESSAGE(!names(rules, a.ip), "nftables still names ", a.ip, ":\n", rules);
    CHECK_MESSAGE(!names(rules, std::to_string(a.host_port)), "nftables still names port ", a.host_port, ":\n", rules);
    CHECK(names(rules, b.ip));
    CHECK(from_outside(a) == "");
    CHECK(from_outside(b) == "pod-b");
    CHECK(c->pod_sandbox_status(a.id).state == wharf::cri::sandbox_state::not_ready);
    // kubelet stops more than once, then removes.
    CHECK_NOTHROW(c->stop_pod_sandbox(a.id));
    CHECK_NOTHROW(c->remove_pod_sandbox(a.id));
    guard_a.release();
    for (const auto& s : c->list_pod_sandbox()) CHECK(s.id != a.id);
    CHECK_THROWS_AS(c->pod_sandbox_status(a.id), wharf::cri::error);
    CHECK(!exists("/var/lib/cni/results/" + network + "-" + a.id + "-eth0"));
    CHECK(!exists("/var/lib/cni/results/cni-loopback-" + a.id + "-lo"));

    // What containerd ran for A, as Wharf's plugins logged it: one ADD per plugin in A's netns, then
    // three DELs: Stop's with the netns, then Stop again and Remove with none.
    if (!reference_plugins()) {
        std::vector<std::string> args;
        auto calls = cni_calls(log_file, a.id, &args);
        INFO("CNI calls for ", a.id, ":\n", [&] { std::string s; for (auto& l : calls) s += l + "\n"; return s; }());
        const std::string in_ns = "netns=" + a.netns + " ifname=eth0";
        // bridge ADD is the chain's first (no prevResult); portmap ADD gets bridge's. Only Stop's first
        // DEL carries prevResult (from libcni's cache); the next two have neither it nor the netns.
        CHECK(calls_of(calls, "bridge ADD") == std::vector<std::string>{"bridge ADD " + in_ns + " prevResult=no"});
        CHECK(calls_of(calls, "portmap ADD") == std::vector<std::string>{"portmap ADD " + in_ns + " prevResult=yes"});
        for (const std::string plugin : {"bridge", "portmap"}) {
            CHECK(calls_of(calls, plugin + " DEL") ==
                  std::vector<std::string>{plugin + " DEL " + in_ns + " prevResult=yes",
                                           plugin + " DEL netns= ifname=eth0 prevResult=no",
                                           plugin + " DEL netns= ifname=eth0 prevResult=no"});
        }
        // containerd's CNI_ARGS on every call, in whatever order its Go map gives them.
        CHECK(!args.empty());
        for (const auto& a_args : args)
            for (const char* key : {"IgnoreUnknown=1", "K8S_POD_NAMESPACE=", "K8S_POD_NAME=", "K8S_POD_INFRA_CONTAINER_ID=",
                                    "K8S_POD_UID="})
                CHECK_MESSAGE(a_args.find(key) != std::string::npos, a_args);
        CHECK(calls_of(calls, "host-local ADD").size() == 1);
        CHECK(calls_of(calls, "host-local DEL").size() == 3);
    }

    // A containerd restart (stopped by PID, started on the same state) keeps B working.
    ctd.stop();
    CHECK(!ctd.live_shims().empty());
    CHECK(from_outside(b) == "pod-b");
    ctd.start();
    cri = std::make_unique<wharf::cri::client>(ctd.endpoint());
    c = cri.get();
    auto after = c->pod_sandbox_status(b.id, true);
    CHECK(after.state == wharf::cri::sandbox_state::ready);
    CHECK(after.ip == b.ip);
    CHECK(from_outside(b) == "pod-b");
    CHECK(trim(in_pod(b.netns, tcp_client(b.host_port, out.host_ip))) == "pod-b");

    c->stop_pod_sandbox(b.id);
    CHECK(w.reservations(network).empty());
    w.in_host("ip link show " + b.host_veth + " 2>/dev/null", &rc);
    CHECK_MESSAGE(rc != 0, "host veth ", b.host_veth, " outlived Stop");
    CHECK_MESSAGE(!exists(b.netns), "netns ", b.netns, " outlived Stop");
    CHECK(from_outside(b) == "");
    CHECK_NOTHROW(c->stop_pod_sandbox(b.id));
    CHECK_NOTHROW(c->remove_pod_sandbox(b.id));
    guard_b.release();
    CHECK(c->list_pod_sandbox().empty());

    // After the last pod, the host's nftables name neither the pods' subnet nor the bridge.
    rules = w.ruleset();
    CHECK_MESSAGE(rules.find(subnet_base) == std::string::npos, "nftables still names ", w.subnet4, ":\n", rules);
    CHECK_MESSAGE(rules.find(w.bridge) == std::string::npos, "nftables still names bridge ", w.bridge, ":\n", rules);
    // Every shim exits with its last task; no mount is left under containerd's dir.
    CHECK(eventually([&] { return ctd.live_shims().empty(); }));
    CHECK(ctd.mounts().empty());
}

}  // namespace

TEST_CASE("containerd CRI: two pods with hostPorts, traffic, Stop, restart, Remove") {
    run_scenario(false, host_port(0));
}

TEST_CASE("containerd CRI: the same with the conflist's keys in mixed case") {
    run_scenario(true, host_port(2));
}
