#include "conflist.hpp"

#include <fcntl.h>

#include <charconv>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "json/json.hpp"
#include "log/logging.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"

namespace wharf::agent {

namespace {

using nlohmann::json;

// A pod range needs its network address, the gateway, one pod and (IPv4) the broadcast address.
constexpr unsigned longest_v4 = 30;
constexpr unsigned longest_v6 = 126;

net::prefix parse_one(std::string_view item) {
    const std::string text(item);
    if (item.empty()) throw conflist_error("--pod-cidr: an empty CIDR in the list");
    const auto p = net::prefix::parse(item);
    if (!p) throw conflist_error("--pod-cidr: \"" + text + "\" is no CIDR (10.244.1.0/24, fd00:10:244:1::/64)");
    const unsigned longest = p->is_v4() ? longest_v4 : longest_v6;
    if (p->length() > longest)
        throw conflist_error("--pod-cidr: \"" + text + "\" is too small for a gateway and a pod (at most /" +
                             std::to_string(longest) + ")");
    return p->canonical();
}

}  // namespace

std::vector<net::prefix> parse_pod_cidrs(std::string_view text) {
    if (text.empty()) throw conflist_error("--pod-cidr: no CIDR given");
    std::vector<net::prefix> out;
    for (;;) {
        const auto comma = text.find(',');
        auto p = parse_one(text.substr(0, comma));
        for (const auto& seen : out)
            if (seen.fam() == p.fam())
                throw conflist_error("--pod-cidr: " + seen.to_string() + " and " + p.to_string() +
                                     " are of one family: give at most one IPv4 and one IPv6 CIDR");
        out.push_back(p);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

unsigned parse_mtu(std::string_view text) {
    unsigned mtu = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, mtu);
    if (text.empty() || ec != std::errc() || ptr != end || mtu < 68 || mtu > 65535)
        throw conflist_error("--mtu: \"" + std::string(text) + "\" is no MTU (68 to 65535)");
    return mtu;
}

std::string render_conflist(const conflist_options& opts) {
    if (opts.pod_cidrs.empty()) throw conflist_error("--pod-cidr: no CIDR given");
    json ranges = json::array();
    json routes = json::array();
    bool v6 = false;
    for (const auto& cidr : opts.pod_cidrs) {
        ranges.push_back(json::array({{{"subnet", cidr.to_string()}}}));
        routes.push_back({{"dst", net::prefix::any(cidr.fam()).to_string()}});
        v6 = v6 || !cidr.is_v4();
    }
    json bridge = {{"type", "bridge"},
                   {"bridge", "wharf0"},
                   {"isGateway", true},
                   {"ipMasq", opts.bridge_masquerade},
                   {"hairpinMode", true},
                   {"ipam", {{"type", "host-local"}, {"ranges", ranges}, {"routes", routes}}}};
    if (opts.mtu) {
        if (v6 && *opts.mtu < 1280)
            throw conflist_error("--mtu: " + std::to_string(*opts.mtu) + " is below IPv6's minimum of 1280");
        bridge["mtu"] = *opts.mtu;
    }
    const json portmap = {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}};
    const json list = {{"cniVersion", "1.1.0"}, {"name", "wharf"}, {"plugins", {bridge, portmap}}};
    return list.dump(2) + "\n";
}

bool write_conflist(const std::string& conf_dir, std::string_view content) {
    sys::make_directories(conf_dir, 0755);
    unique_fd dir(::open(conf_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno("open directory " + conf_dir);
    if (sys::read_small_file(dir.get(), conf_dir, conflist_name) == content) {
        log::debug("wharfd: {}/{} is unchanged", conf_dir, conflist_name);
        return false;
    }
    sys::write_file_atomic(dir.get(), conf_dir, conflist_name, content, {.mode = 0644});
    log::info("wharfd: wrote {}/{}", conf_dir, conflist_name);
    return true;
}

}  // namespace wharf::agent
