#include "cli/topology_dot.hpp"

#include <map>
#include <utility>

namespace wharf::cli {

namespace {

// Lines of a label, joined with real line breaks (dot_quoted turns them into \n).
std::string lines(const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        s += (s.empty() ? "" : "\n") + p;
    }
    return s;
}

class dot_writer {
public:
    void open_cluster(const std::string& id, const std::string& label, const char* fill) {
        out_ += "  subgraph " + id + " {\n    label=" + dot_quoted(label) + ";\n    style=\"rounded,filled\"; fillcolor=\"" + fill +
                "\"; color=\"#7a8797\";\n";
    }
    void close_cluster() { out_ += "  }\n"; }
    void node(const std::string& id, const std::string& label, const std::string& attrs) {
        out_ += "    " + id + " [label=" + dot_quoted(label) + (attrs.empty() ? "" : ", " + attrs) + "];\n";
    }
    void edge(const std::string& from, const std::string& to, const std::string& attrs) {
        out_ += "  " + from + " -> " + to + " [" + attrs + "];\n";
    }
    void raw(const std::string& text) { out_ += text; }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

}  // namespace

std::string dot_quoted(std::string_view text) {
    std::string s = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            s += '\\';
            s += c;
        } else if (c == '\n') {
            s += "\\n";
        } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
            s += c;
        }
    }
    return s + "\"";
}

std::string to_dot(const topology& t) {
    dot_writer w;
    w.raw("digraph wharf {\n  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=" + dot_quoted(t.title) +
          "];\n  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=white];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n");

    std::map<std::string, std::string> bridge_ids, veth_ids;
    std::vector<std::pair<std::string, std::string>> veth_on;  // (bridge id, veth id)
    auto veth_id = [&](const std::string& name) {
        auto [it, made] = veth_ids.try_emplace(name, "veth" + std::to_string(veth_ids.size()));
        return std::pair{it->second, made};
    };

    w.open_cluster("cluster_host", "host network namespace", "#eaf1fb");
    for (std::size_t b = 0; b < t.bridges.size(); ++b) {
        const auto& br = t.bridges[b];
        const std::string id = "bridge" + std::to_string(b);
        bridge_ids.emplace(br.name, id);
        w.node(id, lines({"bridge " + br.name, br.present ? lines(br.addresses) : "(not created yet)"}),
               br.present ? "fillcolor=\"#c9dcf5\"" : "style=\"rounded,dashed\"");
        for (const auto& port : br.ports) {
            auto [vid, made] = veth_id(port);
            if (made) veth_on.emplace_back(id, vid);
        }
    }
    for (const auto& ns : t.namespaces)
        for (const auto& i : ns.interfaces) {
            if (i.host_veth.empty()) continue;
            auto [vid, made] = veth_id(i.host_veth);
            if (!made) continue;
            if (auto b = bridge_ids.find(i.bridge); b != bridge_ids.end()) veth_on.emplace_back(b->second, vid);
        }
    for (const auto& [name, id] : veth_ids) w.node(id, name, "shape=ellipse");
    std::size_t port_count = 0;
    std::vector<std::pair<std::string, std::string>> forwards;  // (port id, interface id)
    for (std::size_t n = 0; n < t.namespaces.size(); ++n)
        for (std::size_t i = 0; i < t.namespaces[n].interfaces.size(); ++i)
            for (const auto& p : t.namespaces[n].interfaces[i].ports) {
                const std::string id = "port" + std::to_string(port_count++);
                w.node(id, "published " + to_string(p), "shape=cds, fillcolor=\"#fde7c8\"");
                forwards.emplace_back(id, "ns" + std::to_string(n) + "_if" + std::to_string(i));
            }
    w.close_cluster();

    for (std::size_t n = 0; n < t.namespaces.size(); ++n) {
        const auto& ns = t.namespaces[n];
        const std::string ns_id = "ns" + std::to_string(n);
        // Docker's short form for long IDs (a runtime's 64 hex digits); wharf's and cnitool's fit whole.
        const std::string id = ns.container_id.size() > 24 ? ns.container_id.substr(0, 12) : ns.container_id;
        w.open_cluster("cluster_" + ns_id,
                       lines({ns.sandbox.empty() ? "" : "sandbox " + ns.sandbox,
                              id.empty() ? "" : "container " + id,
                              ns.netns.empty() ? "" : "netns " + ns.netns}),
                       "#fbf6df");
        if (ns.interfaces.empty()) w.node(ns_id + "_none", "(no network interfaces)", "shape=plaintext, style=\"\"");
        for (std::size_t i = 0; i < ns.interfaces.size(); ++i) {
            const auto& itf = ns.interfaces[i];
            w.node(ns_id + "_if" + std::to_string(i), lines({itf.name, lines(itf.addresses)}), "fillcolor=\"#d8efd3\"");
        }
        w.close_cluster();
    }

    for (const auto& [bridge, veth] : veth_on) w.edge(bridge, veth, "dir=none, label=\"port\"");
    for (std::size_t n = 0; n < t.namespaces.size(); ++n)
        for (std::size_t i = 0; i < t.namespaces[n].interfaces.size(); ++i) {
            const auto& itf = t.namespaces[n].interfaces[i];
            if (itf.host_veth.empty()) continue;
            w.edge(veth_ids.at(itf.host_veth), "ns" + std::to_string(n) + "_if" + std::to_string(i),
                   "dir=none, penwidth=2, label=\"veth pair\"");
        }
    for (const auto& [port, itf] : forwards) w.edge(port, itf, "style=dashed, color=\"#b5651d\", label=\"DNAT\"");
    w.raw("}\n");
    return w.take();
}

}  // namespace wharf::cli
