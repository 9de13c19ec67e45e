#include "support/bridge_world.hpp"

#include <dirent.h>
#include <stdlib.h>

#include <stdexcept>

namespace wharf::test {

using nlohmann::json;

namespace {
std::string single_quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}
}  // namespace

std::string in_netns(const netns_sandbox& ns, const std::string& command, int* rc) {
    return run_shell("ip netns exec " + ns.name() + " sh -c " + single_quoted(command), rc);
}

std::string ip_of(const json& result, bool v6) {
    for (const auto& ip : result["ips"]) {
        std::string a = ip["address"];
        if ((a.find(':') != std::string::npos) == v6) return a.substr(0, a.find('/'));
    }
    return {};
}

bool pings(const netns_sandbox& from, const std::string& to) {
    int rc = -1;
    from.exec("ping -c1 -W1 " + to + " >/dev/null 2>&1", &rc);
    return rc == 0;
}

json with_prev(json conf, const json& prev) {
    conf["prevResult"] = prev;
    return conf;
}

std::string bridge_world::in_host(const std::string& command, int* rc) const { return in_netns(host, command, rc); }

bridge_world::bridge_world() {
    char tmpl[] = "/tmp/wharf-bridge-ipam-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    data_dir = tmpl;
}

bridge_world::~bridge_world() {
    outside_.reset();
    containers_.clear();
    run_shell("rm -rf '" + data_dir + "'");
}

json bridge_world::conf(const std::string& network, bool dual, const std::string& version) const {
    json ranges = json::array({json::array({{{"subnet", subnet4}}})});
    if (dual) ranges.push_back(json::array({{{"subnet", subnet6}}}));
    return {{"cniVersion", version},
            {"name", network},
            {"type", "bridge"},
            {"bridge", bridge},
            {"isGateway", true},
            {"ipam", {{"type", "host-local"}, {"dataDir", data_dir}, {"ranges", ranges}}}};
}

const netns_sandbox& bridge_world::container(const std::string& stem) {
    containers_.push_back(std::make_unique<netns_sandbox>(stem));
    return *containers_.back();
}

const outside_world& bridge_world::outside() {
    if (outside_) return *outside_;
    auto o = std::make_unique<outside_world>();
    o->ns = std::make_unique<netns_sandbox>("wbo");
    std::string subnet = unique_subnet_v4();             // 10.x.y.0/24
    std::string base = subnet.substr(0, subnet.rfind('.') + 1);  // "10.x.y."
    o->host_ip = base + "1";
    o->outside_ip = base + "2";
    std::string h = unique_name("wup"), x = unique_name("wdn");
    int rc = 0;
    run_shell("ip link add " + h + " netns " + host.name() + " type veth peer name " + x + " netns " + o->ns->name() +
                  " 2>&1",
              &rc);
    if (rc != 0) throw std::runtime_error("cannot create the outside link");
    in_netns(host, "ip addr add " + o->host_ip + "/24 dev " + h + " && ip link set " + h + " up && ip link set lo up");
    in_netns(*o->ns, "ip addr add " + o->outside_ip + "/24 dev " + x + " && ip link set " + x + " up && ip link set lo up");
    outside_ = std::move(o);
    return *outside_;
}

run_result bridge_world::run(const std::string& command, const json& conf, const std::string& netns,
                             const std::string& container_id, const std::string& ifname, const std::string& args,
                             const std::string& binary) const {
    cni_call call{.command = command, .container_id = container_id, .netns = netns, .ifname = ifname, .args = args,
                  .path = cni_path};
    return run_plugin_in(host.name(), binary, call, conf.dump());
}

std::string bridge_world::ruleset() const { return host.exec("nft list ruleset 2>/dev/null"); }

std::vector<std::string> bridge_world::reservations(const std::string& network) const {
    std::vector<std::string> out;
    std::string dir = data_dir + "/" + network;
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == ".." || n == "lock" || n.starts_with("last_reserved_ip") || n.starts_with(".")) continue;
        out.push_back(n);
    }
    closedir(d);
    return out;
}

}  // namespace wharf::test
