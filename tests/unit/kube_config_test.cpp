// Kubeconfig and in-cluster access, and Node objects as wharfd reads them: no server, no root.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <fstream>

#include "json/json.hpp"
#include "kube/access.hpp"
#include "kube/node.hpp"
#include "support/temp_dir.hpp"

using namespace wharf;

namespace {

const char* const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
// base64 of `pem`.
const char* const pem_base64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

std::string write(const test::temp_dir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
}

// A kubeconfig with one context "c" of cluster "k" and user "u"; `cluster` and `user` are the inner
// maps' lines, indented by four spaces.
std::string kubeconfig(const std::string& cluster, const std::string& user, const std::string& current = "c") {
    return "apiVersion: v1\nkind: Config\ncurrent-context: " + current +
           "\nclusters:\n- name: other\n  cluster:\n    server: https://wrong:1\n- name: k\n  cluster:\n" + cluster +
           "users:\n- name: u\n  user:\n" + user + "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n";
}

std::string error_of(const std::string& path) {
    try {
        kube::load_kubeconfig(path);
    } catch (const kube::config_error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("a kubeconfig with certificate-authority-data and a token") {
    test::temp_dir dir("wka-unit");
    const auto path = write(dir, "config",
                            kubeconfig(std::string("    server: https://10.155.0.1:6443\n    certificate-authority-data: ") + pem_base64 + "\n",
                                       "    token: abc.def\n"));
    const auto a = kube::load_kubeconfig(path);
    CHECK(a.server == "https://10.155.0.1:6443");
    CHECK(a.ca_pem == pem);
    CHECK(a.ca_file.empty());
    CHECK(a.token == "abc.def");
    CHECK(a.token_file.empty());
}

TEST_CASE("relative certificate-authority and tokenFile paths are read against the kubeconfig's directory") {
    test::temp_dir dir("wka-unit");
    write(dir, "token", "  secret-token\n\n");
    const auto path = write(dir, "config",
                            kubeconfig("    server: https://[fd00:155::1]:6443\n    certificate-authority: certs/../ca.crt\n",
                                       "    tokenFile: token\n"));
    const auto a = kube::load_kubeconfig(path);
    CHECK(a.server == "https://[fd00:155::1]:6443");
    CHECK(a.ca_file == dir.path() + "/ca.crt");
    CHECK(a.token_file == dir.path() + "/token");
    CHECK(a.token == "secret-token");
}

TEST_CASE("an absolute certificate-authority path stays as it is; token and tokenFile are both kept") {
    test::temp_dir dir("wka-unit");
    write(dir, "token", "from-file");
    const auto path = write(dir, "config",
                            kubeconfig("    server: https://k:443\n    certificate-authority: /etc/k/ca.crt\n",
                                       "    token: inline\n    tokenFile: " + dir.path() + "/token\n"));
    const auto a = kube::load_kubeconfig(path);
    CHECK(a.ca_file == "/etc/k/ca.crt");
    CHECK(a.token == "inline");
    CHECK(a.token_file == dir.path() + "/token");
}

TEST_CASE("kubeconfig errors name the file and what is missing") {
    test::temp_dir dir("wka-unit");
    const std::string server = "    server: https://k:443\n";
    SUBCASE("no file") {
        const auto e = error_of(dir.path() + "/absent");
        CHECK(e.find(dir.path() + "/absent") != std::string::npos);
    }
    SUBCASE("not YAML") {
        const auto path = write(dir, "config", "clusters: [\n");
        CHECK(error_of(path).find(path) != std::string::npos);
    }
    SUBCASE("no current-context") {
        const auto path = write(dir, "config", "apiVersion: v1\nclusters: []\n");
        const auto e = error_of(path);
        CHECK(e.find(path) != std::string::npos);
        CHECK(e.find("current-context") != std::string::npos);
    }
    SUBCASE("a current-context that is not there") {
        const auto path = write(dir, "config", kubeconfig(server, "    token: t\n", "nope"));
        CHECK(error_of(path).find("\"nope\"") != std::string::npos);
    }
    SUBCASE("no server") {
        const auto path = write(dir, "config", kubeconfig("    certificate-authority: ca\n", "    token: t\n"));
        CHECK(error_of(path).find("server") != std::string::npos);
    }
    SUBCASE("plain http") {
        const auto path = write(dir, "config", kubeconfig("    server: http://k:80\n", "    token: t\n"));
        CHECK(error_of(path).find("https://") != std::string::npos);
    }
    SUBCASE("no token") {
        const auto path = write(dir, "config", kubeconfig(server, "    {}\n"));
        CHECK(error_of(path).find("token") != std::string::npos);
    }
    SUBCASE("a missing tokenFile") {
        const auto path = write(dir, "config", kubeconfig(server, "    tokenFile: none\n"));
        CHECK(error_of(path).find(dir.path() + "/none") != std::string::npos);
    }
    SUBCASE("client certificates are refused, saying so") {
        const auto path = write(dir, "config", kubeconfig(server, "    client-certificate-data: AAAA\n    client-key-data: AAAA\n"));
        const auto e = error_of(path);
        CHECK(e.find("client-certificate-data") != std::string::npos);
        CHECK(e.find("does not support") != std::string::npos);
    }
    SUBCASE("bad base64") {
        const auto path = write(dir, "config", kubeconfig(server + "    certificate-authority-data: '***'\n", "    token: t\n"));
        CHECK(error_of(path).find("certificate-authority-data") != std::string::npos);
    }
    SUBCASE("base64 with bytes above 127 (crashed yaml-cpp's decoder: fuzz_kubeconfig)") {
        const auto path = write(dir, "config", kubeconfig(server + "    certificate-authority-data: LS0tL\xad\xce\xbc\n", "    token: t\n"));
        CHECK(error_of(path).find("certificate-authority-data is not valid base64") != std::string::npos);
    }
    SUBCASE("insecure-skip-tls-verify") {
        const auto path = write(dir, "config", kubeconfig(server + "    insecure-skip-tls-verify: true\n", "    token: t\n"));
        CHECK(error_of(path).find("insecure-skip-tls-verify") != std::string::npos);
    }
}

TEST_CASE("in-cluster access from the service account and the environment") {
    test::temp_dir dir("wka-unit");
    write(dir, "token", "sa-token\n");
    write(dir, "ca.crt", pem);
    ::setenv("KUBERNETES_SERVICE_HOST", "fd00:155::a", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    auto a = kube::in_cluster(dir.path());
    CHECK(a.server == "https://[fd00:155::a]:443");
    CHECK(a.ca_file == dir.path() + "/ca.crt");
    CHECK(a.token == "sa-token");
    CHECK(a.token_file == dir.path() + "/token");
    ::setenv("KUBERNETES_SERVICE_HOST", "10.155.0.1", 1);
    CHECK(kube::in_cluster(dir.path()).server == "https://10.155.0.1:443");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
    CHECK_THROWS_AS(kube::in_cluster(dir.path()), kube::config_error);
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    write(dir, "empty", " \n");
    CHECK_THROWS_AS(kube::read_token_file(dir.path() + "/empty"), kube::config_error);
}

TEST_CASE("parse_node: dual-stack podCIDRs and InternalIPs") {
    const auto n = kube::parse_node(nlohmann::json::parse(R"({
        "metadata": {"name": "n1", "uid": "u-1", "resourceVersion": "42"},
        "spec": {"podCIDR": "10.155.1.0/24", "podCIDRs": ["10.155.1.0/24", "fd00:155:1::/64"]},
        "status": {"addresses": [{"type": "InternalIP", "address": "10.155.0.11"},
                                 {"type": "Hostname", "address": "n1"},
                                 {"type": "ExternalIP", "address": "192.0.2.1"},
                                 {"type": "InternalIP", "address": "fd00:155::11"}]}})"));
    CHECK(n.name == "n1");
    CHECK(n.uid == "u-1");
    CHECK(n.resource_version == "42");
    REQUIRE(n.pod_cidrs.size() == 2);
    CHECK(n.pod_cidrs[0].to_string() == "10.155.1.0/24");
    CHECK(n.pod_cidrs[1].to_string() == "fd00:155:1::/64");
    REQUIRE(n.internal_ips.size() == 2);
    CHECK(n.internal_ips[0].to_string() == "10.155.0.11");
    CHECK(n.internal_ips[1].to_string() == "fd00:155::11");
}

TEST_CASE("parse_node: podCIDR alone, missing fields, bad values") {
    auto n = kube::parse_node(nlohmann::json::parse(R"({"metadata": {"name": "n2"}, "spec": {"podCIDR": "10.155.2.0/24"}})"));
    REQUIRE(n.pod_cidrs.size() == 1);
    CHECK(n.pod_cidrs[0].to_string() == "10.155.2.0/24");
    CHECK(n.internal_ips.empty());
    CHECK(n.uid.empty());

    n = kube::parse_node(nlohmann::json::parse(R"({"metadata": {"name": "n3"}})"));
    CHECK(n.pod_cidrs.empty());
    CHECK(n.internal_ips.empty());

    n = kube::parse_node(nlohmann::json::parse(
        R"({"metadata": {"name": "n4"}, "spec": {"podCIDRs": ["nonsense", "10.155.4.0/24"]},
            "status": {"addresses": [{"type": "InternalIP", "address": "10.155.0.999"}, {"type": "InternalIP"}]}})"));
    REQUIRE(n.pod_cidrs.size() == 1);
    CHECK(n.pod_cidrs[0].to_string() == "10.155.4.0/24");
    CHECK(n.internal_ips.empty());

    CHECK_THROWS_AS(kube::parse_node(nlohmann::json::parse(R"({"metadata": {}})")), std::invalid_argument);
    CHECK_THROWS_AS(kube::parse_node(nlohmann::json::parse("[]")), std::invalid_argument);
}

TEST_CASE("same_network ignores the resource version but not CIDRs, addresses or uid") {
    const auto base = nlohmann::json::parse(R"({"metadata": {"name": "n", "uid": "1", "resourceVersion": "5"},
        "spec": {"podCIDRs": ["10.155.5.0/24"]}, "status": {"addresses": [{"type": "InternalIP", "address": "10.155.0.5"}]}})");
    const auto a = kube::parse_node(base);
    auto j = base;
    j["metadata"]["resourceVersion"] = "6";
    j["status"]["conditions"] = nlohmann::json::array({{{"type", "Ready"}, {"status", "True"}}});
    CHECK(kube::same_network(a, kube::parse_node(j)));
    j["spec"]["podCIDRs"] = {"10.155.6.0/24"};
    CHECK_FALSE(kube::same_network(a, kube::parse_node(j)));
    j = base;
    j["status"]["addresses"][0]["address"] = "10.155.0.6";
    CHECK_FALSE(kube::same_network(a, kube::parse_node(j)));
    j = base;
    j["metadata"]["uid"] = "2";
    CHECK_FALSE(kube::same_network(a, kube::parse_node(j)));
}
