#include "firewalld_attachment.hpp"

#include <algorithm>

#include "cni/error.hpp"
#include "isolation.hpp"
#include "log/logging.hpp"

namespace wharf::firewall {

namespace {

std::vector<std::string> sources_of(const firewall_conf& conf) {
    std::vector<std::string> out;
    for (const auto& a : conf.addresses) out.push_back(firewalld::source_of(a));
    return out;
}

}  // namespace

std::optional<firewalld::client> firewalld_backend(const firewall_conf& conf) {
    if (conf.chosen == backend::firewalld) return firewalld::client::require();
    if (conf.chosen == backend::iptables) return std::nullopt;
    std::string why;
    auto fw = firewalld::client::find(&why);
    if (!fw) log::debug("backend detection: no firewalld ({}); programming the forwarding filter", why);
    return fw;
}

// The record goes first: an ADD that dies halfway leaves what DEL needs to take the sources back.
void allow_in_firewalld(firewalld::client& fw, const firewall_conf& conf, const std::string& tag) {
    const firewalld_record record{.zone = conf.zone, .sources = sources_of(conf)};
    save_firewalld_record(sys::shared_state::open(state_owner), tag, record);
    for (const auto& s : record.sources)
        if (!fw.add_source(record.zone, s)) log::debug("firewalld zone {} had source {} already", record.zone, s);
}

// A firewalld that is not there any more took its runtime sources with it.
std::optional<std::size_t> withdraw_from_firewalld(const sys::shared_state& state, const std::string& tag) {
    const auto record = load_firewalld_record(state, tag);
    if (!record) return std::nullopt;
    std::size_t n = 0;
    std::string why;
    if (auto fw = firewalld::client::find(&why)) {
        for (const auto& s : record->sources) n += fw->remove_source(record->zone, s) ? 1 : 0;
    } else {
        log::info("firewalld is not there ({}): the sources of {} went with it", why, tag);
    }
    drop_firewalld_record(state, tag);
    return n;
}

void del_from_firewalld(const firewall_conf& conf, const std::string& tag) {
    if (const auto state = sys::shared_state::existing(state_owner); state && withdraw_from_firewalld(*state, tag)) return;
    // No record: the reference plugin (or an older Wharf) made the ADD. Take prevResult's addresses
    // out, as the reference's DEL does, when the config names the backend.
    if (conf.chosen != backend::firewalld || conf.addresses.empty()) return;
    std::string why;
    if (auto fw = firewalld::client::find(&why))
        for (const auto& s : sources_of(conf)) fw->remove_source(conf.zone, s);
}

void check_firewalld(const firewall_conf& conf, const firewalld_record& record, const std::string& tag) {
    auto fw = firewalld::client::require();
    for (const auto& s : sources_of(conf)) {
        if (std::find(record.sources.begin(), record.sources.end(), s) == record.sources.end())
            throw cni::error(cni::code::internal, "firewalld source " + s + " is not recorded for this attachment",
                             "owner " + tag + ", zone " + record.zone);
        if (!fw.query_source(record.zone, s))
            throw cni::error(cni::code::internal, "firewalld zone " + record.zone + " lacks source " + s, "owner " + tag);
    }
}

}  // namespace wharf::firewall
