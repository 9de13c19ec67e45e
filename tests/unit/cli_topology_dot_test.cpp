// The Graphviz picture of `wharf inspect --dot` / `wharf net inspect --dot`: labels escaped so that
// any name survives, and the structure read back by a small DOT reader (clusters, nodes with their
// labels, edges) matching the topology it was drawn from.
#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli/topology_dot.hpp"

using namespace wharf::cli;

namespace {

// The subset of the DOT grammar to_dot writes: IDs, quoted strings, { } [ ] = ; , and ->.
struct token {
    bool quoted = false;
    std::string text;  // a quoted string unescaped
};

std::vector<token> tokenize(const std::string& dot) {
    std::vector<token> out;
    for (std::size_t i = 0; i < dot.size();) {
        char c = dot[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '"') {
            token t{.quoted = true};
            for (++i;; ++i) {
                if (i >= dot.size()) throw std::runtime_error("unterminated string");
                if (dot[i] == '"') break;
                if (dot[i] == '\n') throw std::runtime_error("raw line break in a string");
                if (dot[i] == '\\' && i + 1 < dot.size()) {
                    char e = dot[++i];
                    t.text += e == 'n' ? '\n' : e;  // \" \\ and the label escape \n
                } else {
                    t.text += dot[i];
                }
            }
            ++i;
            out.push_back(t);
        } else if (dot.compare(i, 2, "->") == 0) {
            out.push_back({.text = "->"});
            i += 2;
        } else if (std::string("{}[]=;,").find(c) != std::string::npos) {
            out.push_back({.text = std::string(1, c)});
            ++i;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '#') {
            std::size_t j = i;
            while (j < dot.size() && (std::isalnum(static_cast<unsigned char>(dot[j])) || dot[j] == '_' || dot[j] == '.')) ++j;
            out.push_back({.text = dot.substr(i, j - i)});
            i = j;
        } else {
            throw std::runtime_error(std::string("unexpected character ") + c);
        }
    }
    return out;
}

struct parsed {
    std::map<std::string, std::string> node_labels;            // node id -> label
    std::map<std::string, std::string> node_cluster;           // node id -> cluster it is declared in
    std::map<std::string, std::string> cluster_labels;         // cluster -> label
    std::vector<std::pair<std::string, std::string>> edges;    // (from, to)
    std::vector<std::map<std::string, std::string>> edge_attrs;
};

class reader {
public:
    explicit reader(const std::string& dot) : t_(tokenize(dot)) {
        expect("digraph");
        next();  // graph name
        block("");
        if (pos_ != t_.size()) throw std::runtime_error("text after the graph");
    }
    parsed result;

private:
    const token& peek() const {
        if (pos_ >= t_.size()) throw std::runtime_error("unexpected end");
        return t_[pos_];
    }
    token next() { return t_.at(pos_++); }
    void expect(const std::string& s) {
        auto t = next();
        if (t.quoted || t.text != s) throw std::runtime_error("expected " + s + ", got " + t.text);
    }
    std::map<std::string, std::string> attrs() {
        std::map<std::string, std::string> a;
        expect("[");
        while (peek().quoted || peek().text != "]") {
            auto key = next().text;
            expect("=");
            a[key] = next().text;
            if (!peek().quoted && peek().text == ",") next();
        }
        expect("]");
        return a;
    }
    void block(const std::string& cluster) {
        expect("{");
        while (peek().quoted || peek().text != "}") {
            auto id = next();
            if (!id.quoted && id.text == "subgraph") {
                auto name = next().text;
                result.cluster_labels[name];
                block(name);
                continue;
            }
            if (!peek().quoted && peek().text == "=") {  // graph attribute: label="..."
                next();
                auto value = next().text;
                if (id.text == "label") result.cluster_labels[cluster] = value;
            } else if (!peek().quoted && peek().text == "->") {
                next();
                auto to = next().text;
                result.edges.emplace_back(id.text, to);
                result.edge_attrs.push_back(attrs());
            } else if (id.text == "graph") {  // graph [label="..."]
                auto a = attrs();
                if (a.count("label")) result.cluster_labels[cluster] = a["label"];
            } else if (id.text == "node" || id.text == "edge") {
                attrs();
            } else {
                auto a = attrs();
                if (result.node_labels.count(id.text)) throw std::runtime_error("node declared twice: " + id.text);
                result.node_labels[id.text] = a["label"];
                result.node_cluster[id.text] = cluster;
            }
            while (!peek().quoted && peek().text == ";") next();
        }
        expect("}");
    }
    std::vector<token> t_;
    std::size_t pos_ = 0;
};

topology two_containers() {
    topology t{.title = "network wharf"};
    t.bridges.push_back({.name = "wharf0", .present = true, .addresses = {"10.77.0.1/16"}, .ports = {"veth1111", "veth2222", "vethlost"}});
    t.namespaces.push_back({.sandbox = "web",
                            .container_id = "wharf-web",
                            .netns = "/run/netns/web",
                            .interfaces = {{.name = "eth0",
                                            .addresses = {"10.77.0.2/16"},
                                            .host_veth = "veth1111",
                                            .bridge = "wharf0",
                                            .ports = {{.host_port = 8080, .container_port = 80, .protocol = "tcp"},
                                                      {.host_port = 5353, .container_port = 53, .protocol = "udp", .host_ip = "127.0.0.1"}}}}});
    t.namespaces.push_back({.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                            .netns = "/proc/4242/ns/net",
                            .interfaces = {{.name = "eth0", .addresses = {"10.77.0.3/16"}, .host_veth = "veth2222", .bridge = "wharf0"}}});
    return t;
}

std::string node_labelled(const parsed& p, const std::string& label) {
    for (const auto& [id, l] : p.node_labels)
        if (l == label) return id;
    return {};
}

}  // namespace

TEST_CASE("dot_quoted escapes quotes and backslashes, turns line breaks into \\n, drops other controls") {
    CHECK(dot_quoted("wharf0") == "\"wharf0\"");
    CHECK(dot_quoted("") == "\"\"");
    CHECK(dot_quoted("a\"b") == "\"a\\\"b\"");
    CHECK(dot_quoted("C:\\net") == "\"C:\\\\net\"");
    CHECK(dot_quoted("\\\"") == "\"\\\\\\\"\"");  // a backslash then a quote: neither may end the string
    CHECK(dot_quoted("one\ntwo") == "\"one\\ntwo\"");
    CHECK(dot_quoted(std::string("a\tb\rc\x01", 7)) == "\"abc\"");
    CHECK(dot_quoted("{x|<y>}") == "\"{x|<y>}\"");  // only record shapes read these; to_dot uses none
}

TEST_CASE("a network with two containers: clusters, nodes and edges as the topology says") {
    const parsed p = reader(to_dot(two_containers())).result;

    // The host cluster holds the bridge, every host veth (one without a known container too) and the ports.
    CHECK(p.cluster_labels.at("cluster_host") == "host network namespace");
    const std::string bridge = node_labelled(p, "bridge wharf0\n10.77.0.1/16");
    REQUIRE_FALSE(bridge.empty());
    for (const char* v : {"veth1111", "veth2222", "vethlost"}) {
        REQUIRE_MESSAGE(!node_labelled(p, v).empty(), v);
        CHECK(p.node_cluster.at(node_labelled(p, v)) == "cluster_host");
    }
    const std::string web_port = node_labelled(p, "published 0.0.0.0:8080->80/tcp");
    const std::string dns_port = node_labelled(p, "published 127.0.0.1:5353->53/udp");
    REQUIRE_FALSE(web_port.empty());
    REQUIRE_FALSE(dns_port.empty());
    CHECK(p.node_cluster.at(web_port) == "cluster_host");

    // One cluster per container namespace, labelled with the sandbox, the (short) ID and the netns.
    REQUIRE(p.cluster_labels.size() == 4);  // "" (the graph's own label), host, two namespaces
    CHECK(p.cluster_labels.at("") == "network wharf");
    CHECK(p.cluster_labels.at("cluster_ns0") == "sandbox web\ncontainer wharf-web\nnetns /run/netns/web");
    CHECK(p.cluster_labels.at("cluster_ns1") == "container 0123456789ab\nnetns /proc/4242/ns/net");
    const std::string web_eth0 = node_labelled(p, "eth0\n10.77.0.2/16");
    const std::string other_eth0 = node_labelled(p, "eth0\n10.77.0.3/16");
    REQUIRE_FALSE(web_eth0.empty());
    CHECK(p.node_cluster.at(web_eth0) == "cluster_ns0");
    CHECK(p.node_cluster.at(other_eth0) == "cluster_ns1");

    // Nodes: a bridge, three veths, two ports, two interfaces. Edges: three bridge ports, two veth
    // pairs, two DNATs, each between declared nodes.
    CHECK(p.node_labels.size() == 8);
    REQUIRE(p.edges.size() == 7);
    for (const auto& [from, to] : p.edges) {
        CHECK(p.node_labels.count(from) == 1);
        CHECK(p.node_labels.count(to) == 1);
    }
    auto has_edge = [&](const std::string& from, const std::string& to, const std::string& label) {
        for (std::size_t i = 0; i < p.edges.size(); ++i)
            if (p.edges[i] == std::pair{from, to} && p.edge_attrs[i].at("label") == label) return true;
        return false;
    };
    for (const char* v : {"veth1111", "veth2222", "vethlost"}) CHECK_MESSAGE(has_edge(bridge, node_labelled(p, v), "port"), v);
    CHECK(has_edge(node_labelled(p, "veth1111"), web_eth0, "veth pair"));
    CHECK(has_edge(node_labelled(p, "veth2222"), other_eth0, "veth pair"));
    CHECK(has_edge(web_port, web_eth0, "DNAT"));
    CHECK(has_edge(dns_port, web_eth0, "DNAT"));
}

TEST_CASE("names with quotes, backslashes and line breaks come back unchanged from the labels") {
    topology t{.title = "network \"quoted\\name\""};
    t.bridges.push_back({.name = "br\"0", .present = false});
    t.namespaces.push_back({.sandbox = "a\\b\"c\nd", .netns = "/run/netns/x\"y",
                            .interfaces = {{.name = "e\"th0", .host_veth = "v\\eth", .bridge = "br\"0"}}});
    const parsed p = reader(to_dot(t)).result;
    CHECK(p.cluster_labels.at("") == "network \"quoted\\name\"");
    CHECK_FALSE(node_labelled(p, "bridge br\"0\n(not created yet)").empty());
    CHECK_FALSE(node_labelled(p, "v\\eth").empty());
    CHECK_FALSE(node_labelled(p, "e\"th0").empty());
    CHECK(p.cluster_labels.at("cluster_ns0") == "sandbox a\\b\"c\nd\nnetns /run/netns/x\"y");
    CHECK(p.edges.size() == 2);  // bridge to veth (the interface says which bridge), veth pair
}

TEST_CASE("a namespace without interfaces and a network without a bridge still make a valid graph") {
    topology t{.title = "sandbox lonely"};
    t.namespaces.push_back({.sandbox = "lonely", .netns = "/run/netns/lonely"});
    const parsed p = reader(to_dot(t)).result;
    CHECK(p.node_labels.size() == 1);
    CHECK(p.node_cluster.begin()->second == "cluster_ns0");
    CHECK(p.edges.empty());
    // A veth whose bridge is not drawn gets no edge to a bridge.
    t.namespaces[0].interfaces.push_back({.name = "eth0", .host_veth = "veth9", .bridge = "elsewhere"});
    const parsed q = reader(to_dot(t)).result;
    CHECK(q.edges.size() == 1);
    CHECK(q.node_labels.size() == 2);  // veth9 and eth0: the placeholder goes once there is an interface
}
