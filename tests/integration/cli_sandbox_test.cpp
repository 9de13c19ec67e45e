// `wharf` as a person runs it, as root against the real kernel: the runtime commands with the loopback
// plugin, sandboxes and --net modes, connect/disconnect and inspect with the reference bridge and
// host-local (ipMasq off: no iptables needed), each test on its own bridge, subnet and temp dirs.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli/container_id.hpp"
#include "json/json.hpp"
#include "support/sandbox.hpp"

using namespace wharf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Private NETCONFPATH, cache and state dirs, a unique bridge and subnet, and a `wharf` runner. `wharf`
// runs inside a throwaway "host" namespace (nsenter --net), so the bridge, its gateway address and the
// forwarding sysctl it switches on never touch the real host.
struct cli_env {
    netns_sandbox host{"wch"};
    std::string dir, bridge = unique_name("wcb"), subnet = unique_subnet_v4(), prefix = unique_name("s");
    std::string pm_bridge = unique_name("wcp"), pm_subnet = unique_subnet_v4();  // network "pm": bridge + portmap
    std::string cni_path = std::string(WHARF_BIN_DIR) + ":/usr/lib/cni";
    cli_env() {
        std::string t = "/tmp/wharf-cli-it-XXXXXX";
        REQUIRE(mkdtemp(t.data()));
        dir = t;
        fs::create_directories(dir + "/conf");
        std::ofstream(dir + "/conf/10-br.conflist") << json{
            {"cniVersion", "1.0.0"}, {"name", "br"},
            {"plugins", json::array({{{"type", "bridge"}, {"bridge", bridge}, {"isGateway", true}, {"ipMasq", false},
                                      {"ipam", {{"type", "host-local"}, {"dataDir", dir + "/ipam"},
                                                {"ranges", json::array({json::array({{{"subnet", subnet}}})})},
                                                {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}}})}};
        std::ofstream(dir + "/conf/20-pm.conflist") << json{
            {"cniVersion", "1.0.0"}, {"name", "pm"},
            {"plugins", json::array({{{"type", "bridge"}, {"bridge", pm_bridge}, {"isGateway", true},
                                      {"ipam", {{"type", "host-local"}, {"dataDir", dir + "/ipam"},
                                                {"ranges", json::array({json::array({{{"subnet", pm_subnet}}})})}}}},
                                     {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}})}};
        std::ofstream(dir + "/conf/99-lo.conf") << R"({"cniVersion":"1.1.0","name":"lo","type":"loopback"})";
    }
    ~cli_env() {
        for (const char* sb : {"a", "b", "c", "h"}) wharf("sandbox rm --force " + prefix + sb);
        run_shell("ip -n " + host.name() + " link del " + bridge + " 2>/dev/null");
        run_shell("ip -n " + host.name() + " link del " + pm_bridge + " 2>/dev/null");
        fs::remove_all(dir);
    }
    std::string env() const {
        return "NETCONFPATH=" + dir + "/conf WHARF_CACHE_DIR=" + dir + "/cache WHARF_STATE_DIR=" + dir + "/state CNI_PATH=" + cni_path + " ";
    }
    std::string wharf(const std::string& args, int* rc = nullptr) const {
        return run_shell(env() + in_host() + WHARF_BIN_DIR "/wharf " + args + " 2>&1", rc);
    }
    std::string in_host() const { return "nsenter --net=" + host.path() + " ";
    }
    std::string name(const char* s) const { return prefix + s; }
};

json ip_json(const std::string& ns, const std::string& what) {
    return json::parse(run_shell("ip -n " + ns + " -j " + what));
}

}  // namespace

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("add, check, del with the environment cnitool uses; the cache file is libcni's") {
    cli_env e;
    netns_sandbox ns("wcli");
    int rc = -1;
    auto out = e.wharf("add lo " + ns.name(), &rc);  // a bare name means /run/netns/<name>
    REQUIRE_MESSAGE(rc == 0, out);
    CHECK(json::parse(out)["ips"][0]["address"] == "127.0.0.1/8");
    std::string id = wharf::cli::container_id_for_netns(ns.path());
    std::string cache = e.dir + "/cache/results/lo-" + id + "-eth0";
    REQUIRE(fs::exists(cache));
    json c = json::parse(std::ifstream(cache));
    CHECK(c["netns"] == ns.path());
    CHECK(c["containerId"] == id);
    CHECK(e.wharf("check lo " + ns.path(), &rc).empty());
    CHECK(rc == 0);
    e.wharf("del lo " + ns.path(), &rc);
    CHECK(rc == 0);
    CHECK_FALSE(fs::exists(cache));

    // CNI_CONTAINERID, CNI_IFNAME and CNI_ARGS are honoured.
    e.wharf("add lo " + ns.path(), &rc);
    run_shell(e.env() + "CNI_CONTAINERID=mine CNI_IFNAME=lo0 CNI_ARGS=IgnoreUnknown=1 " + e.in_host() + WHARF_BIN_DIR "/wharf add lo " + ns.path(), &rc);
    CHECK(rc == 0);
    json mine = json::parse(std::ifstream(e.dir + "/cache/results/lo-mine-lo0"));
    CHECK(mine["cniArgs"] == json::parse(R"([["IgnoreUnknown","1"]])"));
    // GC keeps attachments whose namespace exists.
    CHECK(e.wharf("gc lo", &rc).find("2 attachments kept") != std::string::npos);
}

TEST_CASE("errors in words and exit codes") {
    cli_env e;
    int rc = -1;
    CHECK(e.wharf("add nope /run/netns/x", &rc).find("no net configuration with name \"nope\"") != std::string::npos);
    CHECK(rc == 3);
    e.wharf("add lo", &rc);
    CHECK(rc == 2);
    e.wharf("inspect " + e.name("missing"), &rc);
    CHECK(rc == 3);
    CHECK(e.wharf("run " + e.name("a") + " --net lo -p 80", &rc).find("invalid port mapping") != std::string::npos);
    CHECK(rc == 2);
    auto out = e.wharf("add lo /run/netns/wharf-no-such-ns", &rc);
    CHECK(rc == 1);
    CHECK(out.find("plugin type=\"loopback\"") != std::string::npos);
    for (const char* cmd : {"add", "sandbox create", "run", "connect", "inspect", "net ls", "demo"}) {
        CHECK(e.wharf(std::string(cmd) + " --help", &rc).find("usage: wharf") != std::string::npos);
        CHECK(rc == 0);
    }
}

TEST_CASE("sandbox create, ls, rm: a namespace without ip, lo up") {
    cli_env e;
    int rc = -1;
    auto out = e.wharf("sandbox create " + e.name("a"), &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    CHECK(fs::exists("/run/netns/" + e.name("a")));
    CHECK(run_shell("ip netns list").find(e.name("a")) != std::string::npos);
    auto lo = ip_json(e.name("a"), "link show lo");
    CHECK(lo[0]["operstate"] == "UNKNOWN");
    e.wharf("sandbox create " + e.name("a"), &rc);
    CHECK(rc == 4);
    auto ls = json::parse(e.wharf("sandbox ls --json"));
    REQUIRE(ls.size() == 1);
    CHECK(ls[0]["name"] == e.name("a"));
    e.wharf("sandbox rm " + e.name("a"), &rc);
    CHECK(rc == 0);
    CHECK_FALSE(fs::exists("/run/netns/" + e.name("a")));
    CHECK(json::parse(e.wharf("sandbox ls --json")).empty());
}

TEST_CASE("run --net NET, none, host, container:OTHER; run a command inside; connect and disconnect") {
    cli_env e;
    int rc = -1;
    auto out = e.wharf("run " + e.name("a") + " --net br", &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    out = e.wharf("run " + e.name("b") + " --net br", &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    auto b_addr = ip_json(e.name("b"), "-4 addr show eth0")[0]["addr_info"][0]["local"].get<std::string>();
    // Traffic between two namespaces this test made, over its own bridge.
    e.wharf("run " + e.name("c") + " --net container:" + e.name("a") + " -- ping -c1 -W2 " + b_addr, &rc);
    CHECK(rc == 0);
    // container: joins a's namespace: it sees a's eth0.
    CHECK(e.wharf("run " + e.name("x") + " --net container:" + e.name("a") + " --rm -- ip -br link show eth0", &rc).find("eth0") !=
          std::string::npos);
    e.wharf("run " + e.name("h") + " --net host -- true", &rc);
    CHECK(rc == 0);
    CHECK(e.wharf("run " + e.name("n") + " --net none --rm -- ip -br link").find("eth0") == std::string::npos);
    CHECK(e.wharf("run " + e.name("y") + " --net none --rm -- sh -c 'exit 7'", &rc).empty());
    CHECK(rc == 7);
    CHECK_FALSE(fs::exists("/run/netns/" + e.name("n")));

    // connect: a second network as eth1 (loopback has no interface of its own; the record still counts it).
    e.wharf("connect br " + e.name("a"), &rc);
    CHECK(rc == 4);  // already on br
    out = e.wharf("connect lo " + e.name("a"), &rc);
    CHECK_MESSAGE(rc == 0, out);
    auto sb = json::parse(e.wharf("sandbox ls --json"));
    json a = sb[0];
    REQUIRE(a["name"] == e.name("a"));
    REQUIRE(a["networks"].size() == 2);
    CHECK(a["networks"][1]["ifname"] == "eth1");
    CHECK(fs::exists(e.dir + "/cache/results/lo-wharf-" + e.name("a") + "-eth1"));
    e.wharf("disconnect lo " + e.name("a"), &rc);
    CHECK(rc == 0);
    CHECK_FALSE(fs::exists(e.dir + "/cache/results/lo-wharf-" + e.name("a") + "-eth1"));
    e.wharf("disconnect lo " + e.name("a"), &rc);
    CHECK(rc == 3);

    // rm DELs every attachment: the host-side veth and the cache entry go.
    auto veth_count = [&] { return json::parse(run_shell("ip -n " + e.host.name() + " -j link show master " + e.bridge)).size(); };
    CHECK(veth_count() == 2);
    e.wharf("sandbox rm " + e.name("a") + " " + e.name("b") + " " + e.name("c") + " " + e.name("h"), &rc);
    CHECK(rc == 0);
    CHECK(veth_count() == 0);
    CHECK(fs::is_empty(e.dir + "/cache/results"));
    CHECK_FALSE(fs::exists("/run/netns/" + e.name("a")));
}

TEST_CASE("inspect and net inspect agree with the kernel") {
    cli_env e;
    int rc = -1;
    auto out = e.wharf("run " + e.name("a") + " --net br -p 18080:80/tcp", &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    auto j = json::parse(e.wharf("inspect " + e.name("a") + " --json"));
    json eth0;
    for (const auto& i : j["kernel"]["interfaces"])
        if (i["name"] == "eth0") eth0 = i;
    REQUIRE(eth0.is_object());
    // Independent observer: ip -j in the namespace and on the host.
    auto k = ip_json(e.name("a"), "addr show eth0")[0];
    CHECK(eth0["index"] == k["ifindex"]);
    CHECK(eth0["mac"] == k["address"]);
    auto peer_index = k["link_index"].get<int>();
    auto host = json::parse(run_shell("ip -n " + e.host.name() + " -j link show master " + e.bridge));
    REQUIRE(host.size() == 1);
    CHECK(eth0["peer"]["index"] == peer_index);
    CHECK(eth0["peer"]["name"] == host[0]["ifname"]);
    CHECK(eth0["peer"]["bridge"] == e.bridge);
    CHECK(j["ports"][0]["hostPort"] == 18080);
    bool has_default = false;
    for (const auto& r : j["kernel"]["routes"]) has_default = has_default || r["dst"] == "default";
    CHECK(has_default);

    auto text = e.wharf("inspect " + e.name("a"));
    CHECK(text.find(host[0]["ifname"].get<std::string>() + " (index " + std::to_string(peer_index) + ") on bridge " + e.bridge) !=
          std::string::npos);
    auto net = json::parse(e.wharf("net inspect br --json"));
    CHECK(net["bridge"]["name"] == e.bridge);
    REQUIRE(net["bridge"]["ports"].size() == 1);
    CHECK(net["bridge"]["ports"][0]["name"] == host[0]["ifname"]);
    CHECK(net["containers"][0]["sandbox"] == e.name("a"));
    auto ls = json::parse(e.wharf("net ls --json"));
    CHECK(ls[0]["name"] == "br");
    CHECK(ls[0]["containers"] == 1);
    CHECK(ls[1]["name"] == "pm");  // conflists first, sorted, then single-plugin files: libcni's order
    CHECK(ls[1]["containers"] == 0);
    CHECK(ls[2]["name"] == "lo");
}

TEST_CASE("-p with port ranges publishes each pair in the kernel, and rm takes them all back") {
    cli_env e;
    int rc = -1;
    auto out = e.wharf("run " + e.name("a") + " --net pm -p 18090-18091:80-81 -p 127.0.0.1:18095:95/udp", &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    auto ports = json::parse(e.wharf("inspect " + e.name("a") + " --json"))["ports"];
    REQUIRE(ports.size() == 3);
    CHECK(ports[1]["hostPort"] == 18091);
    CHECK(ports[1]["containerPort"] == 81);
    CHECK(ports[2]["protocol"] == "udp");
    const std::string ruleset = run_shell(e.in_host() + "nft list ruleset");
    for (const char* port : {"18090", "18091", "18095"}) CHECK_MESSAGE(ruleset.find(port) != std::string::npos, port);
    CHECK(e.wharf("run " + e.name("b") + " --net pm -p 18092-18093:80", &rc).find("must be as many") != std::string::npos);
    CHECK(rc == 2);
    e.wharf("sandbox rm " + e.name("a"), &rc);
    CHECK(rc == 0);
    const std::string after = run_shell(e.in_host() + "nft list ruleset");
    for (const char* port : {"18090", "18091", "18095"}) CHECK_MESSAGE(after.find(port) == std::string::npos, port);
}

TEST_CASE("inspect --dot and net inspect --dot draw the kernel's bridge and veth, the address and the port; dot renders them") {
    cli_env e;
    int rc = -1;
    auto out = e.wharf("run " + e.name("a") + " --net pm -p 18081:80/tcp", &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    // What the kernel says, read by an independent observer.
    auto host = json::parse(run_shell("ip -n " + e.host.name() + " -j link show master " + e.pm_bridge));
    REQUIRE(host.size() == 1);
    const std::string veth = host[0]["ifname"].get<std::string>();
    auto eth0 = ip_json(e.name("a"), "-4 addr show eth0")[0]["addr_info"][0];
    const std::string addr = eth0["local"].get<std::string>() + "/" + std::to_string(eth0["prefixlen"].get<int>());
    auto gw = ip_json(e.host.name(), "-4 addr show " + e.pm_bridge)[0]["addr_info"][0]["local"].get<std::string>();

    const std::string net_dot = e.wharf("net inspect pm --dot", &rc);
    CHECK(rc == 0);
    const std::string sandbox_dot = e.wharf("inspect " + e.name("a") + " --dot", &rc);
    CHECK(rc == 0);
    for (const std::string& dot : {net_dot, sandbox_dot}) {
        INFO(dot);
        CHECK(dot.rfind("digraph wharf {", 0) == 0);
        CHECK(dot.find("[label=\"bridge " + e.pm_bridge + "\\n" + gw + "/") != std::string::npos);
        CHECK(dot.find("[label=\"" + veth + "\"") != std::string::npos);
        CHECK(dot.find("[label=\"eth0\\n" + addr) != std::string::npos);
        CHECK(dot.find("sandbox " + e.name("a")) != std::string::npos);
        CHECK(dot.find("published 0.0.0.0:18081->80/tcp") != std::string::npos);
        CHECK(dot.find("veth pair") != std::string::npos);
    }
    e.wharf("net inspect pm --dot --json", &rc);
    CHECK(rc == 2);

    if (run_shell("command -v dot").empty()) {
        MESSAGE("Graphviz's dot is not installed: the DOT text is not rendered");
        return;
    }
    for (const std::string& dot : {net_dot, sandbox_dot}) {
        const std::string file = e.dir + "/topology.dot";
        std::ofstream(file) << dot;
        auto svg = run_shell("dot -Tsvg " + file + " 2>&1", &rc);
        CHECK_MESSAGE(rc == 0, svg);
        CHECK(svg.find("<svg") != std::string::npos);
        CHECK(svg.find(veth) != std::string::npos);
    }
}

TEST_CASE("reconcile: after nft flush ruleset, the running sandbox's published port and masquerade are back") {
    cli_env e;
    const std::string bridge = unique_name("wcr"), subnet = unique_subnet_v4();
    // Spec 1.1.0, so that the runtime sends GC (reconcile is GC of every network).
    std::ofstream(e.dir + "/conf/30-rp.conflist") << json{
        {"cniVersion", "1.1.0"}, {"name", "rp"},
        {"plugins", json::array({{{"type", "bridge"}, {"bridge", bridge}, {"isGateway", true}, {"ipMasq", true},
                                  {"ipam", {{"type", "host-local"}, {"dataDir", e.dir + "/ipam"},
                                            {"ranges", json::array({json::array({{{"subnet", subnet}}})})}}}},
                                 {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}})}};
    int rc = -1;
    auto out = e.wharf("run " + e.name("a") + " --net rp -p 18404:80/tcp", &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    auto ruleset = [&] { return run_shell(e.in_host() + "nft list ruleset"); };
    const std::string masq = "masq-" + subnet.substr(0, subnet.find('/')) + "_" + subnet.substr(subnet.find('/') + 1);
    REQUIRE(ruleset().find("18404") != std::string::npos);
    REQUIRE(ruleset().find(masq) != std::string::npos);
    // inspect shows what the plugins recorded: what reconcile repairs from.
    const json records = json::parse(e.wharf("inspect " + e.name("a") + " --json"))["networks"][0]["records"];
    CHECK_MESSAGE(records["bridge"]["pieces"] == json::array({masq}), records.dump());
    CHECK(records["portmap"]["version"] == 1);
    CHECK(records["portmap"]["ifname"] == "eth0");
    CHECK(records["sysctls"]["bridge"] == json::array({"net/ipv4/ip_forward=1"}));
    CHECK(e.wharf("inspect " + e.name("a")).find("rp/eth0: bridge pieces " + masq + "; portmap record v1 (1 port)") != std::string::npos);

    CHECK(e.wharf("status rp", &rc).find("degraded") == std::string::npos);
    CHECK(rc == 0);

    run_shell(e.in_host() + "nft flush ruleset");
    CHECK(ruleset().find("18404") == std::string::npos);
    // STATUS stays ready (an ADD can still be served) and says what the running containers lost.
    const std::string status = e.wharf("status rp", &rc);
    CHECK(rc == 0);
    CHECK_MESSAGE(status.find("network rp is degraded: its containers rely on " + masq + ", missing from nftables") != std::string::npos,
                  status);
    CHECK(status.find("network rp is degraded: published ports missing from nftables for") != std::string::npos);
    out = e.wharf("reconcile", &rc);
    CHECK_MESSAGE(rc == 0, out);
    CHECK(out.find("reconcile rp: 1 attachment kept") != std::string::npos);
    CHECK(out.find("reconcile br: 0 attachments kept") != std::string::npos);
    const std::string after = ruleset();
    CHECK_MESSAGE(after.find("18404") != std::string::npos, after);
    CHECK(after.find(masq) != std::string::npos);
    CHECK(e.wharf("status rp", &rc).find("degraded") == std::string::npos);
    CHECK(e.wharf("reconcile nope", &rc).find("no net configuration with name \"nope\"") != std::string::npos);
    CHECK(rc != 0);

    e.wharf("sandbox rm " + e.name("a"), &rc);
    CHECK(rc == 0);
    CHECK(ruleset().find("18404") == std::string::npos);
    run_shell("ip -n " + e.host.name() + " link del " + bridge + " 2>/dev/null");
}
