#include "settings.hpp"

#include <net/if.h>

#include <cerrno>
#include <functional>

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "sys/sysctl.hpp"

namespace wharf::tuning {

namespace {

// The kernel's refusals that mean the config asked for something this interface or namespace
// cannot take (a value out of range, a parameter that does not exist): code 7, not an internal error.
bool is_refused_value(int err) { return err == EINVAL || err == ERANGE || err == ENOENT || err == EADDRNOTAVAIL; }

// Runs one read or change; a failure becomes a cni::error that names it and where it happened.
void step(const std::string& what, const netns::handle& ns, const std::function<void()>& fn) {
    try {
        fn();
    } catch (const os_error& e) {
        const auto c = is_refused_value(e.code_value()) ? cni::code::invalid_config : cni::code::internal;
        std::string details = "in " + ns.path();
        if (!e.detail().empty()) details += "; kernel: " + e.detail();
        throw cni::error(c, what + ": " + e.what(), details);
    }
}

void write_sysctl(const netns::handle& ns, const std::string& path, const std::string& value) {
    netns::guard in(ns);
    sys::sysctl::write(path, value);
}

// The link changes of a record, one per setting, in the order DEL restores them (the reference's).
std::vector<std::pair<std::string, netlink::link::changes>> link_changes(const record& r) {
    std::vector<std::pair<std::string, netlink::link::changes>> out;
    if (r.mtu) out.push_back({"MTU " + std::to_string(*r.mtu), {.mtu = *r.mtu}});
    if (r.mac) out.push_back({"MAC " + r.mac->to_string(), {.mac = *r.mac}});
    if (r.promisc) out.push_back({"promiscuous mode " + on_off(*r.promisc), {.promisc = *r.promisc}});
    if (r.allmulti) out.push_back({"all-multicast mode " + on_off(*r.allmulti), {.allmulti = *r.allmulti}});
    if (r.txqlen) out.push_back({"transmit queue length " + std::to_string(*r.txqlen), {.txqlen = *r.txqlen}});
    return out;
}

}  // namespace

std::string on_off(bool on) { return on ? "on" : "off"; }

std::vector<std::string> read_sysctls(const netns::handle& ns, const std::vector<std::string>& paths) {
    std::vector<std::string> values;
    if (paths.empty()) return values;
    netns::guard in(ns);
    for (const auto& path : paths) step("read sysctl " + path, ns, [&] { values.push_back(sys::sysctl::read(path)); });
    return values;
}

record snapshot(const netns::handle& ns, const netlink::link_info& link, const tuning_conf& conf) {
    record r;
    if (conf.mac) r.mac = link.mac;
    if (conf.promisc) r.promisc = (link.flags & IFF_PROMISC) != 0;
    if (conf.mtu) r.mtu = link.mtu;
    if (conf.allmulti) r.allmulti = (link.flags & IFF_ALLMULTI) != 0;
    if (conf.txqlen) r.txqlen = link.txqlen;
    std::vector<std::string> paths;
    for (const auto& s : conf.sysctls) paths.push_back(s.path);
    const auto values = read_sysctls(ns, paths);
    for (std::size_t i = 0; i < paths.size(); ++i) r.sysctls.emplace_back(paths[i], values[i]);
    return r;
}

void apply(const netns::handle& ns, netlink::socket& sock, const netlink::link_info& link, const tuning_conf& conf,
           const record& before, undo_stack& undo) {
    for (std::size_t i = 0; i < conf.sysctls.size(); ++i) {
        const auto& s = conf.sysctls[i];
        step("set sysctl " + s.key + "=" + s.value, ns, [&] { write_sysctl(ns, s.path, s.value); });
        const std::string old = before.sysctls.at(i).second;
        undo.push("put sysctl " + s.path + " back to " + old, [&ns, path = s.path, old] { write_sysctl(ns, path, old); });
    }
    const std::string on_link = " on \"" + link.name + "\"";
    auto change = [&](const std::string& what, const netlink::link::changes& to, const netlink::link::changes& back) {
        step("set " + what + on_link, ns, [&] { netlink::link::change(sock, link.index, to); });
        undo.push("put back " + what + on_link, [&sock, index = link.index, back] { netlink::link::change(sock, index, back); });
    };
    if (conf.mac && !before.mac)
        throw cni::error(cni::code::invalid_config, "\"" + link.name + "\" has no hardware address to set", "in " + ns.path());
    if (conf.mac) change("MAC " + conf.mac->to_string(), {.mac = *conf.mac}, {.mac = *before.mac});
    if (conf.promisc) change("promiscuous mode on", {.promisc = true}, {.promisc = before.promisc});
    if (conf.mtu) change("MTU " + std::to_string(*conf.mtu), {.mtu = *conf.mtu}, {.mtu = before.mtu});
    if (conf.allmulti)
        change("all-multicast mode " + on_off(*conf.allmulti), {.allmulti = *conf.allmulti}, {.allmulti = before.allmulti});
    if (conf.txqlen)
        change("transmit queue length " + std::to_string(*conf.txqlen), {.txqlen = *conf.txqlen}, {.txqlen = before.txqlen});
}

std::vector<std::string> restore(const netns::handle& ns, netlink::socket& sock, const netlink::link_info& link,
                                 const record& saved) {
    std::vector<std::string> failures;
    auto attempt = [&](const std::string& what, const std::function<void()>& fn) {
        try {
            step(what, ns, fn);
        } catch (const cni::error& e) {
            failures.push_back(std::string(e.what()) + " (" + e.details() + ")");
        }
    };
    // No structured bindings here: Clang 14 refuses a lambda that captures one.
    for (const auto& change : link_changes(saved))
        attempt("restore " + change.first + " on \"" + link.name + "\"",
                [&] { netlink::link::change(sock, link.index, change.second); });
    for (const auto& sysctl : saved.sysctls)
        attempt("restore sysctl " + sysctl.first + "=" + sysctl.second, [&] { write_sysctl(ns, sysctl.first, sysctl.second); });
    return failures;
}

}  // namespace wharf::tuning
