#include "nft/list.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "netlink/error.hpp"
#include "netlink/nfnetlink.hpp"
#include "nft/encode.hpp"
#include "nft/error.hpp"
#include "nft/nftnl_ptr.hpp"

namespace wharf::nft {

namespace {

template <typename Item>
using parser = std::function<void(const nlmsghdr&, std::vector<Item>&)>;

// find: a get that may miss (ENOENT gives no item, without an exception).
enum class read_kind { get, find, dump };

// Every read goes this way: one request of `type` (its attributes added by `build`), a get or a
// dump (retried by the socket when interrupted), and what `parse` makes of each reply. The
// kernel's refusals come out as nft::error.
template <typename Item>
std::vector<Item> request(netlink::socket& sock, std::uint8_t type, family fam, read_kind kind, const std::string& what,
                          const std::function<void(nlmsghdr*)>& build, const parser<Item>& parse) {
    netlink::message req = netlink::nfnetlink_request(NFNL_SUBSYS_NFTABLES, type, static_cast<std::uint8_t>(fam));
    if (build) build(&req.header());
    std::vector<Item> out;
    try {
        if (kind == read_kind::dump) {
            sock.dump(req, what, [&](const nlmsghdr& m) { parse(m, out); });
        } else if (kind == read_kind::find) {
            if (const auto reply = sock.find(req, what)) parse(reply->header(), out);
        } else {
            const netlink::message reply = sock.get(req, what);
            parse(reply.header(), out);
        }
    } catch (const error&) {
        throw;
    } catch (const netlink::error& e) {
        throw error(e.code_value(), e.operation(), e.extack());
    }
    return out;
}

[[noreturn]] void bad_reply(const std::string& what) { throw error(EBADMSG, what + ": unreadable reply"); }

std::string str_or_empty(const char* s) { return s ? s : ""; }

struct comment_search {
    std::uint8_t type;
    std::string* out;
};

int take_comment(const nftnl_udata* attr, void* data) {
    auto* search = static_cast<comment_search*>(data);
    if (nftnl_udata_type(attr) == search->type) {
        const char* text = static_cast<const char*>(nftnl_udata_get(attr));
        *search->out = std::string(text, strnlen(text, nftnl_udata_len(attr)));
    }
    return 0;
}

std::string comment_from(const void* udata, std::uint32_t len, std::uint8_t type) {
    std::string comment;
    if (udata == nullptr || len == 0) return comment;
    comment_search search{type, &comment};
    nftnl_udata_parse(udata, len, take_comment, &search);
    return comment;
}

table_info parse_table(const nlmsghdr& nlh, const std::string& what) {
    detail::table_ptr t(detail::checked(nftnl_table_alloc()));
    if (nftnl_table_nlmsg_parse(&nlh, t.get()) < 0) bad_reply(what);
    return table_info{static_cast<family>(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY)),
                      str_or_empty(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME)),
                      nftnl_table_get_u64(t.get(), NFTNL_TABLE_HANDLE), nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS)};
}

bytes elem_bytes(nftnl_set_elem* e, std::uint16_t attr) {
    if (!nftnl_set_elem_is_set(e, attr)) return {};
    std::uint32_t len = 0;
    const auto* p = static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, attr, &len));
    return p ? bytes(p, p + len) : bytes{};
}

int take_element(nftnl_set_elem* e, void* data) {
    element out;
    out.key = elem_bytes(e, NFTNL_SET_ELEM_KEY);
    out.key_end = elem_bytes(e, NFTNL_SET_ELEM_KEY_END);
    out.data = elem_bytes(e, NFTNL_SET_ELEM_DATA);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
        nft::verdict v;
        v.code = static_cast<std::int32_t>(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT));
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) v.chain = str_or_empty(nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
        out.verdict = std::move(v);
    }
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)) out.flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
        std::uint32_t len = 0;
        const void* ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
        out.comment = comment_from(ud, len, NFTNL_UDATA_SET_ELEM_COMMENT);
    }
    static_cast<std::vector<element>*>(data)->push_back(std::move(out));
    return 0;
}

}  // namespace

std::uint32_t generation(netlink::socket& sock) {
    const std::string what = "get ruleset generation";
    auto found = request<std::uint32_t>(sock, NFT_MSG_GETGEN, family::unspec, read_kind::get, what, {},
                                        [&](const nlmsghdr& m, std::vector<std::uint32_t>& out) {
                                            std::unique_ptr<nftnl_gen, void (*)(const nftnl_gen*)> g(
                                                detail::checked(nftnl_gen_alloc()), nftnl_gen_free);
                                            if (nftnl_gen_nlmsg_parse(&m, g.get()) < 0) bad_reply(what);
                                            out.push_back(nftnl_gen_get_u32(g.get(), NFTNL_GEN_ID));
                                        });
    if (found.empty()) bad_reply(what);
    return found.front();
}

std::vector<table_info> list_tables(netlink::socket& sock, family fam) {
    const std::string what = "list tables " + std::string(name(fam));
    return request<table_info>(sock, NFT_MSG_GETTABLE, fam, read_kind::dump, what, {},
                               [&](const nlmsghdr& m, std::vector<table_info>& out) { out.push_back(parse_table(m, what)); });
}

std::optional<table_info> find_table(netlink::socket& sock, family fam, std::string_view table_name) {
    const std::string what = "get table " + std::string(name(fam)) + " " + std::string(table_name);
    auto found = request<table_info>(
        sock, NFT_MSG_GETTABLE, fam, read_kind::find, what,
        [&](nlmsghdr* nlh) { detail::put_table(nlh, table{fam, std::string(table_name)}); },
        [&](const nlmsghdr& m, std::vector<table_info>& out) { out.push_back(parse_table(m, what)); });
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<chain_info> list_chains(netlink::socket& sock, family fam, std::string_view table) {
    const std::string what = "list chains " + std::string(name(fam)) + " " + std::string(table);
    return request<chain_info>(
        sock, NFT_MSG_GETCHAIN, fam, read_kind::dump, what,
        [&](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, std::string(table).c_str()); },
        [&](const nlmsghdr& m, std::vector<chain_info>& out) {
            detail::chain_ptr c(detail::checked(nftnl_chain_alloc()));
            if (nftnl_chain_nlmsg_parse(&m, c.get()) < 0) bad_reply(what);
            chain_info info;
            info.fam = static_cast<family>(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY));
            info.table = str_or_empty(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE));
            info.name = str_or_empty(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
            info.handle = nftnl_chain_get_u64(c.get(), NFTNL_CHAIN_HANDLE);
            if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM)) {
                base_chain b;
                b.hook = static_cast<hook>(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM));
                b.priority = nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO);
                b.type = str_or_empty(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE));
                if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY))
                    b.policy = static_cast<policy>(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY));
                if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_DEV))
                    b.device = str_or_empty(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_DEV));
                info.base = std::move(b);
            }
            // A table filter the kernel ignores would still be honoured here.
            if (info.table == table) out.push_back(std::move(info));
        });
}

std::vector<rule_info> list_rules(netlink::socket& sock, family fam, std::string_view table, std::string_view chain) {
    std::string what = "list rules " + std::string(name(fam)) + " " + std::string(table);
    if (!chain.empty()) what += " " + std::string(chain);
    return request<rule_info>(
        sock, NFT_MSG_GETRULE, fam, read_kind::dump, what,
        [&](nlmsghdr* nlh) { detail::put_rule_ref(nlh, std::string(table), std::string(chain), 0); },
        [&](const nlmsghdr& m, std::vector<rule_info>& out) {
            detail::rule_ptr r(detail::checked(nftnl_rule_alloc()));
            if (nftnl_rule_nlmsg_parse(&m, r.get()) < 0) bad_reply(what);
            rule_info info;
            info.fam = static_cast<family>(nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY));
            info.table = str_or_empty(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE));
            info.chain = str_or_empty(nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN));
            info.handle = nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE);
            if (nftnl_rule_is_set(r.get(), NFTNL_RULE_USERDATA)) {
                std::uint32_t len = 0;
                const void* ud = nftnl_rule_get_data(r.get(), NFTNL_RULE_USERDATA, &len);
                info.comment = comment_from(ud, len, NFTNL_UDATA_RULE_COMMENT);
            }
            if (info.table == table && (chain.empty() || info.chain == chain)) out.push_back(std::move(info));
        });
}

std::vector<set> list_sets(netlink::socket& sock, family fam, std::string_view table) {
    const std::string what = "list sets " + std::string(name(fam)) + " " + std::string(table);
    return request<set>(
        sock, NFT_MSG_GETSET, fam, read_kind::dump, what,
        [&](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_SET_TABLE, std::string(table).c_str()); },
        [&](const nlmsghdr& m, std::vector<set>& out) {
            detail::set_ptr s(detail::checked(nftnl_set_alloc()));
            if (nftnl_set_nlmsg_parse(&m, s.get()) < 0) bad_reply(what);
            set info;
            info.fam = static_cast<family>(nftnl_set_get_u32(s.get(), NFTNL_SET_FAMILY));
            info.table = str_or_empty(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE));
            info.name = str_or_empty(nftnl_set_get_str(s.get(), NFTNL_SET_NAME));
            info.key_type = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_TYPE);
            info.key_len = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_LEN);
            info.flags = nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS);
            if (nftnl_set_is_set(s.get(), NFTNL_SET_DATA_TYPE)) info.data_type = nftnl_set_get_u32(s.get(), NFTNL_SET_DATA_TYPE);
            if (nftnl_set_is_set(s.get(), NFTNL_SET_DATA_LEN)) info.data_len = nftnl_set_get_u32(s.get(), NFTNL_SET_DATA_LEN);
            info.handle = nftnl_set_get_u64(s.get(), NFTNL_SET_HANDLE);
            if (info.table == table) out.push_back(std::move(info));
        });
}

std::vector<element> list_elements(netlink::socket& sock, const set_ref& s) {
    const std::string what = "list elements " + std::string(name(s.fam)) + " " + s.table + " " + s.name;
    return request<element>(
        sock, NFT_MSG_GETSETELEM, s.fam, read_kind::dump, what, [&](nlmsghdr* nlh) { detail::put_elements_target(nlh, s); },
        [&](const nlmsghdr& m, std::vector<element>& out) {
            detail::set_ptr parsed(detail::checked(nftnl_set_alloc()));
            if (nftnl_set_elems_nlmsg_parse(&m, parsed.get()) < 0) bad_reply(what);
            nftnl_set_elem_foreach(parsed.get(), take_element, &out);
        });
}

std::optional<element> find_element(netlink::socket& sock, const set_ref& s, const bytes& key) {
    const std::string what = "get element " + std::string(name(s.fam)) + " " + s.table + " " + s.name;
    const element wanted{.key = key};
    auto found = request<element>(
        sock, NFT_MSG_GETSETELEM, s.fam, read_kind::find, what,
        [&](nlmsghdr* nlh) { detail::put_elements(nlh, s, std::span<const element>(&wanted, 1)); },
        [&](const nlmsghdr& m, std::vector<element>& out) {
            detail::set_ptr parsed(detail::checked(nftnl_set_alloc()));
            if (nftnl_set_elems_nlmsg_parse(&m, parsed.get()) < 0) bad_reply(what);
            nftnl_set_elem_foreach(parsed.get(), take_element, &out);
        });
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

}  // namespace wharf::nft
