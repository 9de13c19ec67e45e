// What runtimes really send, through the real chain (bridge with host-local, portmap, loopback) in
// throwaway namespaces: containerd's untagged capability structs ("HostPort"), its CNI_ARGS, its
// three DELs per pod, its separate loopback network; configs written in any case, as the reference's
// decoder reads them; and DELs that must not fail on per-request input they do not need.
#include <doctest/doctest.h>

#include <string>

#include "json/json.hpp"
#include "support/portmap_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

// As containerd 1.6 sets it (the order varies from call to call).
const std::string k8s_args =
    "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=ctr-k8s;K8S_POD_UID=7f1c";

// go-cni's PortMapping struct has no JSON tags, so encoding/json writes the Go field names.
json containerd_mapping(unsigned host_port, unsigned container_port) {
    return {{"HostPort", host_port}, {"ContainerPort", container_port}, {"Protocol", "tcp"}, {"HostIP", ""}};
}

run_result run_as(const portmap_world& pw, const std::string& plugin, const std::string& command, const json& conf,
                  const std::string& netns, const std::string& id, const std::string& args,
                  const std::string& ifname = "eth0") {
    return pw.w.run(command, conf, netns, id, ifname, args, plugin_path(plugin));
}

// The bridge's ports in the host sandbox: the host ends of containers' veth pairs.
int veths(const bridge_world& w) {
    const std::string out = w.in_host("ip -o link show master " + w.bridge + " 2>/dev/null | wc -l");
    return std::stoi(out.empty() ? "0" : out);
}

// Whether anything in the host sandbox's nftables names `text` (an address, a port).
bool ruleset_names(const bridge_world& w, const std::string& text) {
    return w.in_host("nft list ruleset").find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("containerd's pod lifecycle: untagged portMappings, K8S CNI_ARGS, Stop twice and Remove") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = pw.bridge_conf("k8spod", false, true);
    br["ipMasq"] = true;
    const netns_sandbox& pod = pw.w.container("wkp");
    const json mappings = json::array({containerd_mapping(18301, 80)});

    // RunPodSandbox: bridge ADD, then portmap ADD with prevResult and the capability arguments.
    auto add = run_as(pw, "bridge", "ADD", br, pod.path(), "ctr-k8s", k8s_args);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    const json prev = add.json();
    const std::string ip = prev["ips"][0]["address"].get<std::string>().substr(
        0, prev["ips"][0]["address"].get<std::string>().find('/'));
    auto pm = run_as(pw, "portmap", "ADD", pw.portmap_conf("k8spod", mappings, prev), pod.path(), "ctr-k8s", k8s_args);
    REQUIRE_MESSAGE(pm.exit_code == 0, pm.out, pm.err);
    CHECK(pm.json() == prev);

    pw.listen(pod, 80, "pod-web");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 18301) == "pod-web");  // from another namespace
    CHECK(pw.tcp(nullptr, "127.0.0.1", 18301) == "pod-web");       // from the host's localhost
    CHECK(pw.elements("ports4").size() == 1);

    // StopPodSandbox: DEL in reverse with the netns and prevResult; then Stop again and
    // RemovePodSandbox, with an empty netns and no prevResult, capability arguments still there.
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        const bool first = round == 0;
        const std::string netns = first ? pod.path() : "";
        auto pdel = run_as(pw, "portmap", "DEL", pw.portmap_conf("k8spod", mappings, first ? prev : json()), netns,
                           "ctr-k8s", k8s_args);
        CHECK_MESSAGE(pdel.exit_code == 0, pdel.out, pdel.err);
        json bdel_conf = br;
        if (first) bdel_conf["prevResult"] = prev;
        auto bdel = run_as(pw, "bridge", "DEL", bdel_conf, netns, "ctr-k8s", k8s_args);
        CHECK_MESSAGE(bdel.exit_code == 0, bdel.out, bdel.err);
    }
    CHECK(pw.elements("ports4").empty());
    CHECK(pw.w.reservations("k8spod").empty());
    CHECK(veths(pw.w) == 0);
    CHECK_FALSE(ruleset_names(pw.w, ip + " "));
    CHECK_FALSE(ruleset_names(pw.w, "18301"));
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 18301).empty());
}

TEST_CASE("DEL with per-request input it cannot read removes everything; ADD refuses the same input") {
    portmap_world pw;
    json br = pw.bridge_conf("badin");
    attachment a = pw.publish(br, "ctr-bad", json::array({{{"hostPort", 8080}, {"containerPort", 80}}}));
    const std::string garbage_args = "IgnoreUnknown=1;not-a-pair;=x";

    // Every piece of per-request input unreadable at once.
    json pm_bad = pw.portmap_conf("badin", "8080:80");
    pm_bad["prevResult"] = {{"ips", json::array({{{"address", "not-an-address"}}})}};
    json br_bad = br;
    br_bad["runtimeConfig"] = {{"mac", "not-a-mac"}};
    br_bad["args"] = {{"cni", {{"mac", 42}}}};
    br_bad["prevResult"] = {{"interfaces", "eth0"}};

    // ADD refuses each with the spec's codes, and leaves nothing behind.
    const netns_sandbox& other = pw.w.container("wbo");
    auto badd = run_as(pw, "bridge", "ADD", br_bad, other.path(), "ctr-other", "");
    CHECK(badd.exit_code != 0);
    CHECK(badd.json()["code"] == 6);  // prevResult does not decode
    json br_mac = br;
    br_mac["runtimeConfig"] = {{"mac", "not-a-mac"}};
    auto madd = run_as(pw, "bridge", "ADD", br_mac, other.path(), "ctr-other", "");
    CHECK(madd.exit_code != 0);
    CHECK(madd.json()["code"] == 7);
    CHECK(madd.json()["details"] == "runtimeConfig.mac");
    auto aadd = run_as(pw, "bridge", "ADD", br, other.path(), "ctr-other", garbage_args);
    CHECK(aadd.exit_code != 0);
    CHECK(aadd.json()["code"] == 4);
    auto padd = run_as(pw, "portmap", "ADD", pw.portmap_conf("badin", "8080:80", a.bridge_result), a.ns->path(),
                       "ctr-other", "");
    CHECK(padd.exit_code != 0);
    CHECK(padd.json()["code"] == 7);
    CHECK(pw.w.reservations("badin").size() == 1);  // only ctr-bad's
    CHECK(veths(pw.w) == 1);

    // DEL goes through, chain in reverse, and removes what the attachment owns.
    auto pdel = run_as(pw, "portmap", "DEL", pm_bad, a.ns->path(), a.id, garbage_args);
    CHECK_MESSAGE(pdel.exit_code == 0, pdel.out, pdel.err);
    CHECK(pdel.out.empty());
    CHECK(pdel.err.find("DEL ignores") != std::string::npos);  // logged, on stderr
    CHECK(pw.elements("ports4").empty());
    auto bdel = run_as(pw, "bridge", "DEL", br_bad, a.ns->path(), a.id, garbage_args);
    CHECK_MESSAGE(bdel.exit_code == 0, bdel.out, bdel.err);
    CHECK(pw.w.reservations("badin").empty());
    CHECK(veths(pw.w) == 0);
    CHECK_FALSE(ruleset_names(pw.w, a.ip4 + " "));
}

TEST_CASE("a chain written in mixed-case keys works as the same chain written exactly") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = {{"CNIVersion", "1.0.0"},
               {"Name", "mixed"},
               {"Type", "bridge"},
               {"Bridge", pw.w.bridge},
               {"IsDefaultGateway", true},
               {"IPMasq", true},
               {"HairpinMode", true},
               {"IPAM",
                {{"Type", "host-local"},
                 {"DataDir", pw.w.data_dir},
                 {"Ranges", json::array({json::array({{{"Subnet", pw.w.subnet4}}})})},
                 {"Routes", json::array({{{"Dst", "0.0.0.0/0"}}})}}}};
    const netns_sandbox& c = pw.w.container("wmx");
    auto add = run_as(pw, "bridge", "ADD", br, c.path(), "ctr-mixed", k8s_args);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    const json prev = add.json();
    CHECK(prev["cniVersion"] == "1.0.0");
    const std::string addr = prev["ips"][0]["address"];
    const std::string base = pw.w.subnet4.substr(0, pw.w.subnet4.rfind('.') + 1);
    CHECK(addr.rfind(base, 0) == 0);
    CHECK(prev["interfaces"][0]["name"] == pw.w.bridge);
    int rc = -1;
    pw.w.in_host("ip link show dev " + pw.w.bridge, &rc);
    CHECK(rc == 0);
    CHECK(pw.w.reservations("mixed").size() == 1);

    json pm = {{"CNIVersion", "1.0.0"},
               {"Name", "mixed"},
               {"Type", "portmap"},
               {"SNAT", true},
               {"RuntimeConfig", {{"PortMappings", json::array({containerd_mapping(18302, 80)})}}},
               {"PrevResult", prev}};
    auto padd = run_as(pw, "portmap", "ADD", pm, c.path(), "ctr-mixed", k8s_args);
    REQUIRE_MESSAGE(padd.exit_code == 0, padd.out, padd.err);
    pw.listen(c, 80, "mixed-web");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 18302) == "mixed-web");

    auto pchk = run_as(pw, "portmap", "CHECK", pm, c.path(), "ctr-mixed", k8s_args);
    CHECK_MESSAGE(pchk.exit_code == 0, pchk.out, pchk.err);
    json br_check = br;
    br_check["PrevResult"] = prev;
    auto bchk = run_as(pw, "bridge", "CHECK", br_check, c.path(), "ctr-mixed", k8s_args);
    CHECK_MESSAGE(bchk.exit_code == 0, bchk.out, bchk.err);

    CHECK(run_as(pw, "portmap", "DEL", pm, c.path(), "ctr-mixed", k8s_args).exit_code == 0);
    CHECK(run_as(pw, "bridge", "DEL", br, c.path(), "ctr-mixed", k8s_args).exit_code == 0);
    CHECK(pw.w.reservations("mixed").empty());
    CHECK(pw.elements("ports4").empty());
    CHECK(veths(pw.w) == 0);
}

TEST_CASE("containerd's loopback network: cniVersion 0.3.1, ifname lo, DEL with and without the netns") {
    portmap_world pw;
    const netns_sandbox& pod = pw.w.container("wlo");
    const json lo = {{"cniVersion", "0.3.1"}, {"name", "cni-loopback"}, {"type", "loopback"}};
    auto add = run_as(pw, "loopback", "ADD", lo, pod.path(), "ctr-lo", k8s_args, "lo");
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    const json r = add.json();
    CHECK(r["cniVersion"] == "0.3.1");
    CHECK(r["interfaces"][0]["name"] == "lo");
    CHECK(r["ips"][0]["version"] == "4");
    CHECK(r["ips"][0]["address"] == "127.0.0.1/8");
    CHECK(in_netns(pod, "ip -o link show lo").find("LOOPBACK,UP") != std::string::npos);

    CHECK(run_as(pw, "loopback", "DEL", lo, pod.path(), "ctr-lo", k8s_args, "lo").exit_code == 0);
    CHECK(in_netns(pod, "ip -o link show lo").find("LOOPBACK,UP") == std::string::npos);
    // Stop again and Remove: no netns any more.
    CHECK(run_as(pw, "loopback", "DEL", lo, "", "ctr-lo", k8s_args, "lo").exit_code == 0);
    CHECK(run_as(pw, "loopback", "DEL", lo, "", "ctr-lo", k8s_args, "lo").exit_code == 0);
}
