#include "firewall.hpp"

#include <set>

#include "cni/error.hpp"
#include "cni/owner_tag.hpp"
#include "firewall_conf.hpp"
#include "firewalld_attachment.hpp"
#include "isolation.hpp"
#include "layout.hpp"
#include "legacy_forward.hpp"
#include "netlink/netfilter_socket.hpp"
#include "log/logging.hpp"
#include "netlink/socket.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "xt_forward.hpp"

namespace wharf::firewall {

namespace {

using nft::family;

std::string attachment_tag(const cni::context& ctx) {
    return cni::owner_tag(ctx.conf.name, ctx.req.container_id, ctx.req.ifname);
}

// The tables of the host that matter here, from one dump.
struct present_tables {
    bool own = false;
    bool own_bridge = false;
    bool ip_filter = false;
    bool ip6_filter = false;

    static present_tables read(netlink::socket& sock) {
        present_tables t;
        for (const auto& i : nft::list_tables(sock)) {
            t.own = t.own || (i.fam == family::inet && i.name == layout::table_name);
            t.own_bridge = t.own_bridge || (i.fam == family::bridge && i.name == layout::table_name);
            t.ip_filter = t.ip_filter || (i.fam == family::ip && i.name == xt::filter_table);
            t.ip6_filter = t.ip6_filter || (i.fam == family::ip6 && i.name == xt::filter_table);
        }
        return t;
    }
    bool filter(family fam) const { return fam == family::ip ? ip_filter : ip6_filter; }
};

constexpr net::family families[] = {net::family::v4, net::family::v6};
family xt_family(net::family f) { return f == net::family::v4 ? family::ip : family::ip6; }
net::family address_family(family xt) { return xt == family::ip ? net::family::v4 : net::family::v6; }

std::vector<net::ip_address> of_family(const std::vector<net::ip_address>& all, net::family f) {
    std::vector<net::ip_address> out;
    for (const auto& a : all)
        if (a.fam() == f) out.push_back(a);
    return out;
}

// Whether the host's forwarding filter of family `f` is the legacy x_tables one rather than iptables-nft's.
bool legacy_in_use(const present_tables& tables, net::family f) {
    return !tables.filter(xt_family(f)) && legacy::forward_in_use(f);
}

// The legacy table is replaced whole (read-modify-write): under the state's lock.
template <typename F>
auto under_lock(F&& step) {
    const auto state = sys::shared_state::open(state_owner);
    const auto exclusive = state.lock(sys::lock_kind::exclusive);
    return step();
}

// Elements and rules owned by tags that satisfy `doomed`, all removed in one transaction.
std::size_t withdraw(netlink::socket& sock, const std::function<bool(const std::string&)>& doomed) {
    const auto tables = present_tables::read(sock);
    nft::transaction tx{sock};
    std::size_t n = 0;
    auto withdraw_from = [&](const nft::set_ref& set) {
        std::vector<nft::element> gone;
        for (const auto& e : nft::list_elements(sock, set)) {
            const std::string tag = cni::tag_of(e.comment);
            if (!tag.empty() && doomed(tag)) gone.push_back(nft::element{.key = e.key});
        }
        if (!gone.empty()) tx.remove_elements(set, gone);
        n += gone.size();
    };
    if (tables.own && layout::base_present(sock))
        for (net::family f : families) withdraw_from(layout::allowed_set(f));
    if (tables.own_bridge && layout::bridge_base_present(sock)) withdraw_from(layout::isolated_ports_set());
    for (net::family f : families) {
        const auto now = xt::read_host_filter(sock, xt_family(f), tables.filter(xt_family(f)));
        n += xt::remove_owned(tx, now, doomed);
    }
    if (!tx.empty()) tx.commit();
    // Without the firewall's state, no ADD on this host wrote legacy rules since boot: nothing to take
    // back, and DEL creates nothing under /run/wharf.
    for (net::family f : families)
        if (!tables.filter(xt_family(f)) && legacy::filter_loaded(f))
            if (const auto state = sys::shared_state::existing(state_owner)) {
                const auto exclusive = state->lock(sys::lock_kind::exclusive);
                n += legacy::remove_owned(f, doomed);
            }
    return n;
}

// ADD's one transaction: Wharf's table (made if missing), the addresses' elements, and the host's
// iptables FORWARD rules where iptables-nft keeps that chain. Returns false, having committed
// nothing, when shared objects are missing and `setup_allowed` is false.
bool try_allow(netlink::socket& sock, const firewall_conf& conf, const std::string& tag, bool setup_allowed) {
    const auto tables = present_tables::read(sock);
    const bool base = tables.own && layout::base_present(sock);
    std::vector<xt::host_filter> filters;
    bool shared_missing = !base;
    for (net::family f : families) {
        if (of_family(conf.addresses, f).empty()) continue;
        filters.push_back(xt::read_host_filter(sock, xt_family(f), tables.filter(xt_family(f))));
        const auto& now = filters.back();
        shared_missing = shared_missing || (now.forward && (!now.dispatched || !now.admin_jump));
    }
    const bool ports = conf.policy == ingress_policy::isolated;
    const bool bridge_base = ports && tables.own_bridge && layout::bridge_base_present(sock);
    shared_missing = shared_missing || (ports && !bridge_base);
    if (shared_missing && !setup_allowed) return false;
    nft::transaction tx{sock};
    // An element of a set that existed before: kept when it is ours, taken over when it is a stale
    // one of a previous owner (an address or veth name reused), added when absent.
    auto claim = [&](const nft::set_ref& set, const nft::element& entry, bool set_existed) {
        if (set_existed) {
            const auto existing = nft::find_element(sock, set, entry.key);
            if (existing && existing->comment == tag) return;
            if (existing) tx.remove_elements(set, std::vector{nft::element{.key = entry.key}});
        }
        tx.add_elements(set, std::vector{entry});
    };
    if (!base) layout::add_base(tx);
    for (const auto& a : conf.addresses) claim(layout::allowed_set(a.fam()), layout::allowed_entry(a, tag), base);
    if (ports) {
        if (!bridge_base) layout::add_bridge_base(tx);
        claim(layout::isolated_ports_set(), layout::isolated_port_entry(conf.host_veth, tag), bridge_base);
    }
    for (const auto& now : filters)
        xt::add_attachment(tx, now, conf.admin_chain, tag, of_family(conf.addresses, address_family(now.fam)));
    tx.commit();
    return true;
}

// Every ADD but the host's first finds the shared objects (Wharf's table, CNI-FORWARD and its jumps)
// and commits its own part alone. Making them is serialized by the state's lock, so two first ADDs
// do not both insert the jumps.
void allow(netlink::socket& sock, const firewall_conf& conf, const std::string& tag) {
    if (!try_allow(sock, conf, tag, false)) under_lock([&] { return try_allow(sock, conf, tag, true); });
    const auto tables = present_tables::read(sock);
    for (net::family f : families) {
        const auto addresses = of_family(conf.addresses, f);
        if (!addresses.empty() && legacy_in_use(tables, f))
            under_lock([&] { legacy::add_attachment(f, conf.admin_chain, tag, addresses); });
    }
}

// Runs every step of a teardown; the first failure is rethrown once all have run.
class first_failure {
public:
    template <typename F>
    void attempt(const char* what, F&& step) {
        try {
            step();
        } catch (const std::exception& e) {
            log::warn("{}: {}", what, e.what());
            if (!failure_) failure_ = std::current_exception();
        }
    }
    void rethrow() const {
        if (failure_) std::rethrow_exception(failure_);
    }

private:
    std::exception_ptr failure_;
};

}  // namespace

cni::result add(const cni::context& ctx) {
    const firewall_conf conf = parse_firewall_conf(ctx.conf, ctx.req.cmd);
    cni::result r = *ctx.conf.prev_result;
    r.cni_version = ctx.conf.cni_version;
    const std::string tag = attachment_tag(ctx);
    nft::lazy_socket sock;
    if (auto fw = firewalld_backend(conf)) {
        try {
            allow_in_firewalld(*fw, conf, tag);
        } catch (...) {
            first_failure undo;
            undo.attempt("undo ADD: take the sources back from firewalld",
                         [&] { withdraw_from_firewalld(sys::shared_state::open(state_owner), tag); });
            throw;
        }
    } else {
        allow(sock.get(), conf, tag);
    }
    try {
        if (const auto pieces = pieces_of(conf); !pieces.empty())
            nft::join_pieces(sock, sys::shared_state::open(state_owner), tag, pieces, isolation_pieces());
    } catch (...) {
        first_failure undo;
        undo.attempt("undo ADD: leave the isolation pieces", [&] {
            if (auto state = sys::shared_state::existing(state_owner))
                nft::leave_pieces(sock, *state, tag, isolation_pieces());
        });
        undo.attempt("undo ADD: withdraw the rules", [&] { withdraw(sock.get(), [&](const std::string& t) { return t == tag; }); });
        undo.attempt("undo ADD: take the sources back from firewalld", [&] {
            if (auto state = sys::shared_state::existing(state_owner)) withdraw_from_firewalld(*state, tag);
        });
        throw;
    }
    return r;
}

void del(const cni::context& ctx) {
    const firewall_conf conf = parse_firewall_conf(ctx.conf, ctx.req.cmd);
    const std::string tag = attachment_tag(ctx);
    nft::lazy_socket sock;
    first_failure steps;
    steps.attempt("withdraw the attachment's rules and elements",
                  [&] { withdraw(sock.get(), [&](const std::string& t) { return t == tag; }); });
    steps.attempt("leave the network's isolation pieces", [&] {
        if (auto state = sys::shared_state::existing(state_owner)) nft::leave_pieces(sock, *state, tag, isolation_pieces());
    });
    steps.attempt("take the attachment's sources back from firewalld", [&] { del_from_firewalld(conf, tag); });
    steps.rethrow();
}

namespace {

// `entry` must be in `set` (when `present`: its table and chain exist) with this attachment's tag.
void require_element(netlink::socket& sock, const std::string& tag, const nft::set_ref& set, const nft::element& entry,
                     const std::string& what, bool present) {
    const auto e = present ? nft::find_element(sock, set, entry.key) : std::nullopt;
    if (!e || e->comment != tag)
        throw cni::error(cni::code::internal, "nftables element " + what + " of set " + set.name + " is missing or not this attachment's",
                         "table " + std::string(nft::name(set.fam)) + " " + set.table + ", owner " + tag);
}

// CHECK of an attachment let through the host's forwarding filter: Wharf's table with the addresses'
// elements, and the iptables FORWARD rules (nft or legacy) where such a chain exists.
void check_forwarding_filter(netlink::socket& sock, const present_tables& tables, const firewall_conf& conf,
                             const std::string& tag) {
    const std::string where = "table inet " + std::string(layout::table_name);
    if (!tables.own || !layout::base_present(sock))
        throw cni::error(cni::code::internal, "nftables " + where + " or its forward chain is missing", where);
    for (const auto& a : conf.addresses)
        require_element(sock, tag, layout::allowed_set(a.fam()), layout::allowed_entry(a, tag), a.to_string(), true);
    for (net::family f : families) {
        const auto now = xt::read_host_filter(sock, xt_family(f), tables.filter(xt_family(f)));
        xt::verify(now, tag, of_family(conf.addresses, f).size());
    }
    for (net::family f : families)
        if (legacy_in_use(tables, f)) legacy::verify(f, tag, of_family(conf.addresses, f).size());
}

}  // namespace

void check(const cni::context& ctx) {
    const firewall_conf conf = parse_firewall_conf(ctx.conf, ctx.req.cmd);
    const std::string tag = attachment_tag(ctx);
    auto sock = netlink::netfilter_socket();
    const auto tables = present_tables::read(sock);
    const std::string where = "table inet " + std::string(layout::table_name);
    const auto state_now = sys::shared_state::existing(state_owner);
    if (const auto record = state_now ? load_firewalld_record(*state_now, tag) : std::nullopt) {
        check_firewalld(conf, *record, tag);
    } else if (conf.chosen == backend::firewalld) {
        throw cni::error(cni::code::internal, "no firewalld sources are recorded for this attachment", "owner " + tag);
    } else {
        check_forwarding_filter(sock, tables, conf, tag);
    }
    if (const auto pieces = pieces_of(conf); !pieces.empty()) {
        if (!state_now)
            throw cni::error(cni::code::internal, "this attachment is not recorded as a user of " + pieces.front(),
                             "no shared state of the firewall plugin");
        if (!tables.own) throw cni::error(cni::code::internal, "nftables " + where + " is missing", where);
        nft::verify_pieces(sock, *state_now, tag, pieces, isolation_pieces(), where);
    }
    if (conf.policy == ingress_policy::isolated)
        require_element(sock, tag, layout::isolated_ports_set(), layout::isolated_port_entry(conf.host_veth, tag),
                        conf.host_veth, tables.own_bridge && layout::bridge_base_present(sock));
}

void status(const cni::context& ctx) {
    const firewall_conf conf = parse_firewall_conf(ctx.conf, ctx.req.cmd);
    if (conf.chosen == backend::firewalld) {
        std::string why;
        if (!firewalld::client::find(&why))
            throw cni::error(cni::code::not_available, "backend \"firewalld\": firewalld does not answer on the system bus", why);
    }
    try {
        auto sock = netlink::netfilter_socket();
        nft::list_tables(sock, family::inet);
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "the nftables API does not answer", e.what());
    }
}

void gc(const cni::context& ctx) {
    parse_firewall_conf(ctx.conf, ctx.req.cmd);
    const std::string prefix = cni::network_tag_prefix(ctx.conf.name);
    std::set<std::string> valid;
    for (const auto& a : ctx.conf.valid_attachments) valid.insert(cni::owner_tag(ctx.conf.name, a.container_id, a.ifname));
    auto stale = [&](const std::string& t) { return t.starts_with(prefix) && !valid.contains(t); };
    nft::lazy_socket sock;
    first_failure steps;
    steps.attempt("GC: withdraw stale rules and elements", [&] {
        if (std::size_t n = withdraw(sock.get(), stale); n != 0)
            log::info("GC: removed {} nftables rules and elements of network {}", n, ctx.conf.name);
    });
    steps.attempt("GC: drop stale users of the isolation pieces", [&] {
        if (auto state = sys::shared_state::existing(state_owner)) nft::collect_pieces(sock, *state, stale, isolation_pieces());
    });
    steps.attempt("GC: take stale sources back from firewalld", [&] {
        if (auto state = sys::shared_state::existing(state_owner))
            for (const auto& tag : firewalld_record_tags(*state))
                if (stale(tag))
                    log::info("GC: took {} firewalld sources of {} back", withdraw_from_firewalld(*state, tag).value_or(0), tag);
    });
    steps.rethrow();
}

}  // namespace wharf::firewall
