// deploy/kubernetes/wharf.yaml as Kubernetes would read it (yaml-cpp): the RBAC grants only what the
// agent uses, the DaemonSet has what a node's network agent needs, and every flag it passes is one
// that this build's wharfd knows (`wharfd --help`), so the manifest cannot drift from the binary.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace std::string_literals;

namespace {

std::map<std::string, YAML::Node> by_kind() {
    std::map<std::string, YAML::Node> out;
    for (const auto& doc : YAML::LoadAllFromFile(WHARF_SOURCE_DIR "/deploy/kubernetes/wharf.yaml"))
        out[doc["kind"].as<std::string>()] = doc;
    return out;
}

std::string wharfd_help() {
    std::string out;
    FILE* p = ::popen(WHARF_BIN_DIR "/wharfd --help", "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    REQUIRE(::pclose(p) == 0);
    return out;
}

}  // namespace

TEST_CASE("the manifest holds a ServiceAccount, a ClusterRole, its binding and a DaemonSet, in kube-system") {
    const auto docs = by_kind();
    for (const char* kind : {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"}) CHECK(docs.count(kind) == 1);
    CHECK(docs.at("ServiceAccount")["metadata"]["namespace"].as<std::string>() == "kube-system");
    CHECK(docs.at("DaemonSet")["metadata"]["namespace"].as<std::string>() == "kube-system");
    const auto subject = docs.at("ClusterRoleBinding")["subjects"][0];
    CHECK(subject["name"].as<std::string>() == docs.at("ServiceAccount")["metadata"]["name"].as<std::string>());
    CHECK(docs.at("ClusterRoleBinding")["roleRef"]["name"].as<std::string>() ==
          docs.at("ClusterRole")["metadata"]["name"].as<std::string>());
}

TEST_CASE("the ClusterRole grants nodes get/list/watch and nodes/status patch, nothing else") {
    std::map<std::string, std::set<std::string>> granted;
    for (const auto& rule : by_kind().at("ClusterRole")["rules"]) {
        CHECK(rule["apiGroups"].size() == 1);
        CHECK(rule["apiGroups"][0].as<std::string>().empty());
        for (const auto& resource : rule["resources"])
            for (const auto& verb : rule["verbs"]) granted[resource.as<std::string>()].insert(verb.as<std::string>());
    }
    CHECK(granted == std::map<std::string, std::set<std::string>>{{"nodes", {"get", "list", "watch"}}, {"nodes/status", {"patch"}}});
}

TEST_CASE("the DaemonSet runs on the host network of every node, node-critical, with NODE_NAME and probes") {
    const auto spec = by_kind().at("DaemonSet")["spec"]["template"]["spec"];
    CHECK(spec["hostNetwork"].as<bool>());
    CHECK(spec["priorityClassName"].as<std::string>() == "system-node-critical");
    bool tolerates_all = false;
    for (const auto& t : spec["tolerations"])
        tolerates_all = tolerates_all || (t["operator"].as<std::string>() == "Exists" && !t["key"] && !t["effect"]);
    CHECK(tolerates_all);
    CHECK(spec["serviceAccountName"].as<std::string>() == "wharf");
    const auto c = spec["containers"][0];
    bool node_name = false;
    for (const auto& e : c["env"])
        node_name = node_name || (e["name"].as<std::string>() == "NODE_NAME" &&
                                  e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>() == "spec.nodeName");
    CHECK(node_name);
    CHECK(c["livenessProbe"]["httpGet"]["path"].as<std::string>() == "/healthz");
    CHECK(c["readinessProbe"]["httpGet"]["path"].as<std::string>() == "/readyz");
    std::set<std::string> mounts;
    for (const auto& m : c["volumeMounts"]) mounts.insert(m["mountPath"].as<std::string>());
    for (const char* path : {"/opt/cni/bin", "/etc/cni/net.d", "/run/wharf", "/var/lib/cni/networks"}) CHECK(mounts.count(path) == 1);
    std::set<std::string> host_paths;
    for (const auto& v : spec["volumes"]) host_paths.insert(v["hostPath"]["path"].as<std::string>());
    CHECK(host_paths.count("/opt/cni/bin") == 1);
    CHECK(host_paths.count("/etc/cni/net.d") == 1);
}

TEST_CASE("every flag the DaemonSet passes is one wharfd knows, and it runs in Kubernetes mode with a metrics port the probes use") {
    const auto c = by_kind().at("DaemonSet")["spec"]["template"]["spec"]["containers"][0];
    const std::string help = wharfd_help();
    std::set<std::string> flags;
    for (const auto& arg : c["args"]) {
        const auto text = arg.as<std::string>();
        REQUIRE(text.rfind("--", 0) == 0);
        const std::string flag = text.substr(0, text.find('='));
        CHECK_MESSAGE(help.find(flag + " ") != std::string::npos, flag);
        flags.insert(flag);
        if (flag == "--metrics") CHECK(text.substr(text.rfind(':') + 1) == c["livenessProbe"]["httpGet"]["port"].as<std::string>());
    }
    CHECK(flags.count("--kubernetes") == 1);
    CHECK(flags.count("--cluster-cidr") == 1);
    CHECK(flags.count("--metrics") == 1);
}
