// CHECK: the interface and its namespace as the config says, read back from the kernel; nothing
// is changed. MACs compare as addresses (any case, ':' or '-').
#include <net/if.h>

#include "cni/error.hpp"
#include "commands.hpp"
#include "container_link.hpp"
#include "settings.hpp"
#include "tuning_conf.hpp"

namespace wharf::tuning {

namespace {

[[noreturn]] void differs(const std::string& what, const std::string& details) {
    throw cni::error(cni::code::internal, "CHECK: " + what, details);
}

// A sysctl's value as the kernel prints it may separate fields by tabs where the config has spaces.
std::string normalized(const std::string& value) {
    std::string out;
    bool gap = false;
    for (char c : value) {
        if (c == ' ' || c == '\t' || c == '\n') {
            gap = !out.empty();
            continue;
        }
        if (gap) out += ' ';
        gap = false;
        out += c;
    }
    return out;
}


}  // namespace

void check(const cni::context& ctx) {
    const tuning_conf conf = parse_tuning_conf(ctx.conf, ctx.req, ctx.stdin_data);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "tuning CHECK needs prevResult", "it is missing from the config");
    auto target = open_container_link(ctx);
    const auto& link = target.link;
    const std::string where = "\"" + link.name + "\" in " + ctx.req.netns;

    std::vector<std::string> paths;
    for (const auto& s : conf.sysctls) paths.push_back(s.path);
    const auto values = read_sysctls(target.ns, paths);
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const auto& s = conf.sysctls[i];
        if (normalized(values[i]) != normalized(s.value))
            differs("sysctl " + s.key + " is \"" + values[i] + "\", the config says \"" + s.value + "\"", "in " + ctx.req.netns);
    }
    if (conf.mac && link.mac != conf.mac)
        differs("MAC of " + where + " is " + (link.mac ? link.mac->to_string() : "none") + ", the config says " +
                    conf.mac->to_string(), "mac");
    // As the reference: promisc absent or false means the interface must not be promiscuous.
    const bool promisc = (link.flags & IFF_PROMISC) != 0;
    if (promisc != conf.promisc)
        differs("promiscuous mode of " + where + " is " + on_off(promisc) + ", the config says " + on_off(conf.promisc),
                "promisc");
    if (conf.mtu && link.mtu != *conf.mtu)
        differs("MTU of " + where + " is " + std::to_string(link.mtu) + ", the config says " + std::to_string(*conf.mtu),
                "mtu");
    const bool allmulti = (link.flags & IFF_ALLMULTI) != 0;
    if (conf.allmulti && allmulti != *conf.allmulti)
        differs("all-multicast mode of " + where + " is " + on_off(allmulti) + ", the config says " +
                    on_off(*conf.allmulti), "allmulti");
    if (conf.txqlen && link.txqlen != *conf.txqlen)
        differs("transmit queue length of " + where + " is " + std::to_string(link.txqlen) + ", the config says " +
                    std::to_string(*conf.txqlen), "txQLen");
}

}  // namespace wharf::tuning
