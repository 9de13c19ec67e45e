// `wharf net create` and `wharf net rm` as root against the real kernel. `wharf` runs inside a throwaway
// "host" namespace whose routes the test controls (a route over 172.17.0.0/16 there must push the
// automatic pick to the next pool), with a private NETCONFPATH, cache and state; each network's
// host-local store (/var/lib/cni/networks/<name>) is removed at the end.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "json/json.hpp"
#include "support/sandbox.hpp"

using namespace wharf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct net_env {
    netns_sandbox host{"wnh"};
    std::string dir, prefix = unique_name("n");
    std::string cni_path = WHARF_BIN_DIR;
    std::vector<std::string> networks, sandboxes;
    net_env() {
        std::string t = "/tmp/wharf-cli-net-XXXXXX";
        REQUIRE(mkdtemp(t.data()));
        dir = t;
        in_host("ip link set lo up");
    }
    ~net_env() {
        for (const auto& sb : sandboxes) wharf("sandbox rm --force " + sb);
        for (const auto& n : networks) {
            wharf("net rm --force " + n);
            fs::remove_all("/var/lib/cni/networks/" + n);
        }
        fs::remove_all(dir);
    }
    std::string env() const {
        return "NETCONFPATH=" + dir + "/conf WHARF_CACHE_DIR=" + dir + "/cache WHARF_STATE_DIR=" + dir + "/state CNI_PATH=" + cni_path + " ";
    }
    std::string wharf(const std::string& args, int* rc = nullptr) const {
        return run_shell(env() + "nsenter --net=" + host.path() + " " WHARF_BIN_DIR "/wharf " + args + " 2>&1", rc);
    }
    std::string in_host(const std::string& cmd) const { return run_shell("ip netns exec " + host.name() + " " + cmd); }
    // A network name and a sandbox name of this test, cleaned up at the end.
    std::string network(const char* s) { return networks.emplace_back(prefix + s); }
    std::string sandbox(const char* s) { return sandboxes.emplace_back(prefix + "s" + s); }
    json conflist(const std::string& net) const { return json::parse(std::ifstream(dir + "/conf/" + net + ".conflist")); }
    json ip(const std::string& ns, const std::string& what) const { return json::parse(run_shell("ip -n " + ns + " -j " + what)); }
};

const json& bridge_plugin(const json& list) { return list["plugins"][0]; }
std::string first_subnet(const json& list) { return bridge_plugin(list)["ipam"]["ranges"][0][0]["subnet"]; }

// The addresses (with prefix) of a link, from `ip -j addr`.
std::vector<std::string> addresses(const json& addr_show) {
    std::vector<std::string> out;
    for (const auto& a : addr_show[0]["addr_info"]) out.push_back(a["local"].get<std::string>() + "/" + std::to_string(a["prefixlen"].get<int>()));
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("net create picks a pool no route or network uses; the network works in the kernel; net ls shows it") {
    net_env e;
    // A route over the first pool in this namespace: 172.17.0.0/16 on a bridge of the test's own.
    const std::string taken = unique_name("wnt");
    e.in_host("ip link add " + taken + " type bridge");
    e.in_host("ip addr add 172.17.0.1/16 dev " + taken);
    e.in_host("ip link set " + taken + " up");
    const std::string a = e.network("a"), b = e.network("b");
    int rc = -1;
    auto out = e.wharf("net create " + a, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    json la = e.conflist(a);
    CHECK(la["name"] == a);
    CHECK(first_subnet(la) == "172.18.0.0/16");
    const std::string bridge = bridge_plugin(la)["bridge"];
    CHECK(bridge.size() <= 15);
    CHECK(bridge.rfind("wh-", 0) == 0);
    CHECK(bridge_plugin(la)["ipMasq"] == true);
    json types = json::array();
    for (const auto& p : la["plugins"]) types.push_back(p["type"]);
    CHECK(types == json::parse(R"(["bridge","portmap","firewall","tuning"])"));  // all four are in CNI_PATH
    // The next one skips the first network's subnet too, though no route for it exists yet.
    out = e.wharf("net create " + b + " --bridge " + unique_name("wnb"), &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    CHECK(first_subnet(e.conflist(b)) == "172.19.0.0/16");

    // A sandbox on it: the bridge has the gateway, the container an address in the subnet and the
    // default route through it, and the subnet is masqueraded.
    const std::string s1 = e.sandbox("1");
    out = e.wharf("run " + s1 + " --net " + a, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    CHECK(contains(addresses(e.ip(e.host.name(), "addr show dev " + bridge)), "172.18.0.1/16"));
    auto eth0 = addresses(e.ip(s1, "-4 addr show dev eth0"));
    REQUIRE(eth0.size() == 1);
    CHECK(eth0[0].rfind("172.18.", 0) == 0);
    CHECK(eth0[0].substr(eth0[0].find('/')) == "/16");
    auto routes = e.ip(s1, "route show default");
    REQUIRE(routes.size() == 1);
    CHECK(routes[0]["gateway"] == "172.18.0.1");
    CHECK(e.in_host("nft list ruleset").find("masq-172.18.0.0_16") != std::string::npos);
    run_shell("ip netns exec " + s1 + " ping -c1 -W2 172.18.0.1", &rc);
    CHECK(rc == 0);

    auto ls = json::parse(e.wharf("net ls --json"));
    bool listed = false;
    for (const auto& n : ls) {
        if (n["name"] != a) continue;
        listed = true;
        CHECK(n["bridge"] == bridge);
        CHECK(n["subnets"] == json::array({"172.18.0.0/16"}));
        CHECK(n["containers"] == 1);
    }
    CHECK(listed);
    CHECK(e.wharf("net ls").find(a) != std::string::npos);
}

TEST_CASE("--internal: no masquerade and no default route; --subnet, --gateway, --ip-range, --mtu, --isolate as given") {
    net_env e;
    const std::string n = e.network("i"), bridge = unique_name("wnb"), subnet = unique_subnet_v4(), subnet6 = unique_subnet_v6();
    const std::string base = subnet.substr(0, subnet.rfind('.') + 1);  // "10.x.y."
    int rc = -1;
    auto out = e.wharf("net create " + n + " --internal --isolate --subnet " + subnet + " --gateway " + base + "254 --ip-range " + base +
                           "64/27 --mtu 1400 --bridge " + bridge + " --subnet " + subnet6,
                       &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    json l = e.conflist(n);
    const json& br = bridge_plugin(l);
    CHECK(br["ipMasq"] == false);
    CHECK(br["mtu"] == 1400);
    CHECK(br["ipam"]["ranges"][0][0] ==
          json({{"subnet", subnet}, {"gateway", base + "254"}, {"rangeStart", base + "64"}, {"rangeEnd", base + "95"}}));
    CHECK_FALSE(br["ipam"].contains("routes"));
    bool same_bridge = false;
    for (const auto& p : l["plugins"]) same_bridge = same_bridge || (p["type"] == "firewall" && p["ingressPolicy"] == "same-bridge");
    CHECK(same_bridge);

    const std::string s1 = e.sandbox("1");
    out = e.wharf("run " + s1 + " --net " + n, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    CHECK(contains(addresses(e.ip(e.host.name(), "addr show dev " + bridge)), base + "254/24"));
    CHECK(e.ip(e.host.name(), "link show dev " + bridge)[0]["mtu"] == 1400);
    auto eth0 = e.ip(s1, "-4 addr show dev eth0");
    CHECK(eth0[0]["mtu"] == 1400);
    const std::string addr = eth0[0]["addr_info"][0]["local"];
    const int last = std::stoi(addr.substr(addr.rfind('.') + 1));
    CHECK(last >= 64);
    CHECK(last <= 95);
    CHECK(e.ip(s1, "route show default").empty());
    CHECK(e.ip(s1, "-6 route show default").empty());
    // The IPv6 subnet's address too, from its own range set.
    CHECK(br["ipam"]["ranges"][1][0]["subnet"] == subnet6);
    std::vector<std::string> v6;
    const json eth0_v6 = e.ip(s1, "-6 addr show dev eth0");
    for (const auto& a : eth0_v6[0]["addr_info"])
        if (a["scope"] == "global") v6.push_back(a["local"]);
    REQUIRE(v6.size() == 1);
    CHECK(v6[0].rfind(subnet6.substr(0, subnet6.find("::") + 1), 0) == 0);  // in "fd57:x:y::/64"
    CHECK(e.in_host("nft list ruleset").find("masq-") == std::string::npos);
}

TEST_CASE("net create refuses duplicates and overlaps, naming the other network or route") {
    net_env e;
    const std::string x = e.network("x"), y = e.network("y"), subnet = unique_subnet_v4(), routed = unique_subnet_v4();
    const std::string bx = unique_name("wnb");
    int rc = -1;
    auto out = e.wharf("net create " + x + " --subnet " + subnet + " --bridge " + bx, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    const std::string file = e.dir + "/conf/" + x + ".conflist";
    const json before = e.conflist(x);

    out = e.wharf("net create " + x + " --subnet " + routed, &rc);
    CHECK(rc == 4);
    CHECK_MESSAGE(out.find("a network named \"" + x + "\" already exists (" + file + ")") != std::string::npos, out);
    // Half of x's /24.
    const std::string half = subnet.substr(0, subnet.rfind('.') + 1) + "128/25";
    out = e.wharf("net create " + y + " --subnet " + half, &rc);
    CHECK(rc == 4);
    CHECK_MESSAGE(out.find("subnet " + half + " overlaps network \"" + x + "\" (" + file + ")") != std::string::npos, out);
    out = e.wharf("net create " + y + " --subnet " + routed + " --bridge " + bx, &rc);
    CHECK(rc == 4);
    CHECK_MESSAGE(out.find("bridge \"" + bx + "\" is already used by network \"" + x + "\"") != std::string::npos, out);
    // A subnet a route of this namespace covers.
    const std::string link = unique_name("wnt");
    e.in_host("ip link add " + link + " type bridge");
    e.in_host("ip addr add " + routed.substr(0, routed.rfind('.') + 1) + "1/24 dev " + link);
    e.in_host("ip link set " + link + " up");
    out = e.wharf("net create " + y + " --subnet " + routed, &rc);
    CHECK(rc == 4);
    CHECK_MESSAGE(out.find("subnet " + routed + " overlaps route " + routed + " dev " + link) != std::string::npos, out);

    // Bad words: exit code 2, nothing written.
    for (const std::string& bad : std::vector<std::string>{"net create .bad", "net create " + y + " --subnet 10.0.0.1/8", "net create " + y + " --gateway 10.0.0.1",
                                   "net create " + y + " --subnet " + subnet + " --subnet " + half, "net create " + y + " --mtu 9",
                                   "net create " + y + " --bridge a-bridge-name-too-long"}) {
        out = e.wharf(bad, &rc);
        CHECK_MESSAGE(rc == 2, bad, ": ", out);
    }
    // --isolate needs the firewall plugin.
    e.cni_path = "/nonexistent";
    out = e.wharf("net create " + y + " --isolate", &rc);
    CHECK(rc == 3);
    CHECK_MESSAGE(out.find("--isolate needs the firewall plugin") != std::string::npos, out);
    e.cni_path = WHARF_BIN_DIR;
    CHECK_FALSE(fs::exists(e.dir + "/conf/" + y + ".conflist"));
    CHECK(e.conflist(x) == before);
    // Only NAME.conflist and the lock file are in the directory: no temp file was left.
    std::vector<std::string> names;
    for (const auto& f : fs::directory_iterator(e.dir + "/conf")) names.push_back(f.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{".wharf-net.lock", x + ".conflist"});
}

TEST_CASE("net rm refuses while containers are attached; --force DELs them, removes the veths, the bridge and the file") {
    net_env e;
    const std::string n = e.network("r"), bridge = unique_name("wnb");
    int rc = -1;
    auto out = e.wharf("net create " + n + " --subnet " + unique_subnet_v4() + " --bridge " + bridge, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    const std::string file = e.dir + "/conf/" + n + ".conflist";
    // One sandbox, and one namespace attached with `wharf add` (no sandbox record).
    const std::string s1 = e.sandbox("1");
    out = e.wharf("run " + s1 + " --net " + n, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    netns_sandbox plain("wnp");
    out = run_shell(e.env() + "CNI_CONTAINERID=" + e.prefix + "-plain nsenter --net=" + e.host.path() + " " WHARF_BIN_DIR "/wharf add " + n +
                        " " + plain.path() + " 2>&1",
                    &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    auto ports = [&] { return e.ip(e.host.name(), "link show master " + bridge).size(); };
    CHECK(ports() == 2);

    out = e.wharf("net rm " + n, &rc);
    CHECK(rc == 1);
    CHECK_MESSAGE(out.find("has 2 attached containers") != std::string::npos, out);
    CHECK_MESSAGE(out.find("wharf-" + s1 + " (sandbox " + s1 + ", eth0)") != std::string::npos, out);
    CHECK_MESSAGE(out.find(e.prefix + "-plain (eth0)") != std::string::npos, out);
    CHECK(fs::exists(file));
    CHECK(ports() == 2);

    out = e.wharf("net rm --force " + n, &rc);
    CHECK_MESSAGE(rc == 0, out);
    CHECK_FALSE(fs::exists(file));
    CHECK(e.in_host("ip -j link show type veth") == "[]\n");  // both host-side veths went with the DELs
    CHECK(run_shell("ip -n " + e.host.name() + " link show " + bridge + " 2>/dev/null").empty());
    CHECK(e.ip(s1, "link show type veth").empty());
    CHECK(e.ip(plain.name(), "link show type veth").empty());
    CHECK(fs::is_empty(e.dir + "/cache/results"));
    auto sb = json::parse(e.wharf("sandbox ls --json"));
    REQUIRE(sb.size() == 1);
    CHECK(sb[0]["networks"].empty());  // the sandbox forgot the attachment
    CHECK(e.wharf("net ls").find(n) == std::string::npos);
    e.wharf("net rm " + n, &rc);
    CHECK(rc == 3);

    // A network without attachments goes without --force.
    out = e.wharf("net create " + n, &rc);
    REQUIRE_MESSAGE(rc == 0, out);
    out = e.wharf("net rm " + n, &rc);
    CHECK_MESSAGE(rc == 0, out);
    CHECK_FALSE(fs::exists(file));
}
