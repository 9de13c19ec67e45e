#include "legacy_forward.hpp"

#include <fstream>

#include "cni/error.hpp"
#include "cni/owner_tag.hpp"
#include "legacy_table.hpp"
#include "xt_forward.hpp"

namespace wharf::firewall::legacy {

namespace {

std::string where(net::family f) { return f == net::family::v4 ? "iptables-legacy table filter" : "ip6tables-legacy table filter"; }

bool owned(const table& t, std::size_t i, const std::function<bool(const std::string&)>& doomed) {
    const std::string c = t.comment(i);
    const std::string tag = cni::tag_of(c);
    return !tag.empty() && tag == c && doomed(tag);
}

// The index of the first rule of chain `start` with comment `text`.
std::optional<std::size_t> find_comment(const table& t, std::size_t start, const std::string& text) {
    for (std::size_t i = start, end = t.chain_end(start); i < end; ++i)
        if (t.comment(i) == text) return i;
    return std::nullopt;
}

std::size_t count_owned(const table& t, const std::string& tag) {
    const auto start = t.chain_start(xt::cni_forward);
    if (!start) return 0;
    std::size_t n = 0;
    for (std::size_t i = *start, end = t.chain_end(*start); i < end; ++i)
        n += owned(t, i, [&](const std::string& x) { return x == tag; }) ? 1 : 0;
    return n;
}

std::size_t erase_owned(table& t, const std::function<bool(const std::string&)>& doomed) {
    const auto start = t.chain_start(xt::cni_forward);
    if (!start) return 0;
    std::size_t n = 0;
    for (std::size_t i = *start; i < t.chain_end(*start);) {
        if (owned(t, i, doomed)) {
            t.erase(i);
            ++n;
        } else {
            ++i;
        }
    }
    return n;
}

}  // namespace

bool filter_loaded(net::family f) {
    std::ifstream names(f == net::family::v4 ? "/proc/self/net/ip_tables_names" : "/proc/self/net/ip6_tables_names");
    for (std::string name; std::getline(names, name);)
        if (name == xt::filter_table) return true;
    return false;
}

bool forward_in_use(net::family f) {
    if (!filter_loaded(f)) return false;
    const table t = read_once(f, xt::filter_table);
    const auto start = t.chain_start(xt::forward_chain);
    if (!start) return false;
    const std::size_t end = t.chain_end(*start);
    return end != *start || t.verdict(end) != verdict_accept;
}

void add_attachment(net::family f, const std::string& admin_chain, const std::string& tag,
                    const std::vector<net::ip_address>& addresses) {
    if (addresses.empty()) return;
    edit(f, xt::filter_table, [&](table& t) {
        if (!t.chain_start(xt::forward_chain)) return false;
        bool changed = false;
        if (!t.chain_start(xt::cni_forward) || !t.chain_start(admin_chain)) {
            t.ensure_chain(xt::cni_forward);
            t.ensure_chain(admin_chain);
            changed = true;
        }
        const std::size_t forward = *t.chain_start(xt::forward_chain);
        if (!find_comment(t, forward, xt::dispatch_comment)) {
            t.insert(forward, jump_rule(f, xt::dispatch_comment, *t.chain_start(xt::cni_forward)));
            changed = true;
        }
        if (!find_comment(t, *t.chain_start(xt::cni_forward), xt::admin_comment)) {
            t.insert(*t.chain_start(xt::cni_forward), jump_rule(f, xt::admin_comment, *t.chain_start(admin_chain)));
            changed = true;
        }
        if (count_owned(t, tag) == 2 * addresses.size()) return changed;  // ADD again: the rules are there
        erase_owned(t, [&](const std::string& x) { return x == tag; });
        for (const auto& a : addresses) {
            t.insert(t.chain_end(*t.chain_start(xt::cni_forward)),
                     accept_rule({.destination = a, .related_established = true, .comment = tag}));
            t.insert(t.chain_end(*t.chain_start(xt::cni_forward)), accept_rule({.source = a, .comment = tag}));
        }
        return true;
    });
}

std::size_t remove_owned(net::family f, const std::function<bool(const std::string&)>& doomed) {
    if (!filter_loaded(f)) return 0;
    std::size_t n = 0;
    edit(f, xt::filter_table, [&](table& t) {
        n = erase_owned(t, doomed);
        return n != 0;
    });
    return n;
}

void verify(net::family f, const std::string& tag, std::size_t count) {
    if (count == 0 || !filter_loaded(f)) return;
    const table t = read_once(f, xt::filter_table);
    const auto forward = t.chain_start(xt::forward_chain);
    if (!forward) return;
    auto fail = [&](const std::string& what) { throw cni::error(cni::code::internal, "iptables " + what + " is missing", where(f)); };
    const auto cni = t.chain_start(xt::cni_forward);
    if (!cni) fail("chain " + std::string(xt::cni_forward));
    if (!find_comment(t, *forward, xt::dispatch_comment)) fail("FORWARD's jump to " + std::string(xt::cni_forward));
    if (!find_comment(t, *cni, xt::admin_comment)) fail(std::string(xt::cni_forward) + "'s jump to the admin chain");
    if (const std::size_t n = count_owned(t, tag); n != 2 * count)
        throw cni::error(cni::code::internal,
                         "iptables " + std::string(xt::cni_forward) + " holds " + std::to_string(n) +
                             " rules of this attachment, not " + std::to_string(2 * count),
                         where(f) + ", comment " + tag);
}

}  // namespace wharf::firewall::legacy
