#include "nft/encode.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>

#include <stdexcept>
#include <string>

#include "nft/nftnl_ptr.hpp"

namespace wharf::nft::detail {

namespace {

std::size_t align4(std::size_t n) { return (n + 3) / 4 * 4; }

udata_ptr comment_udata(std::uint8_t type, const std::string& text) {
    if (text.size() >= NFTNL_UDATA_COMMENT_MAXLEN)
        throw std::invalid_argument("nft comment longer than 127 bytes: " + text);
    udata_ptr buf(checked(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)));
    if (!nftnl_udata_put_strz(buf.get(), type, text.c_str())) throw std::invalid_argument("nft comment does not fit: " + text);
    return buf;
}

set_elem_ptr make_element(const element& e) {
    set_elem_ptr out(checked(nftnl_set_elem_alloc()));
    auto put = [&](std::uint16_t attr, const bytes& b) {
        if (!b.empty()) nftnl_set_elem_set(out.get(), attr, b.data(), static_cast<std::uint32_t>(b.size()));
    };
    put(NFTNL_SET_ELEM_KEY, e.key);
    put(NFTNL_SET_ELEM_KEY_END, e.key_end);
    put(NFTNL_SET_ELEM_DATA, e.data);
    if (e.verdict) {
        nftnl_set_elem_set_u32(out.get(), NFTNL_SET_ELEM_VERDICT, static_cast<std::uint32_t>(e.verdict->code));
        if (e.verdict->code == NFT_JUMP || e.verdict->code == NFT_GOTO)
            nftnl_set_elem_set_str(out.get(), NFTNL_SET_ELEM_CHAIN, e.verdict->chain.c_str());
    }
    if (e.flags != 0) nftnl_set_elem_set_u32(out.get(), NFTNL_SET_ELEM_FLAGS, e.flags);
    if (!e.comment.empty()) {
        udata_ptr ud = comment_udata(NFTNL_UDATA_SET_ELEM_COMMENT, e.comment);
        nftnl_set_elem_set(out.get(), NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
    }
    return out;
}

}  // namespace

void put_table(nlmsghdr* nlh, const table& t) {
    table_ptr nt(checked(nftnl_table_alloc()));
    nftnl_table_set_str(nt.get(), NFTNL_TABLE_NAME, t.name.c_str());
    nftnl_table_nlmsg_build_payload(nlh, nt.get());
}

void put_chain(nlmsghdr* nlh, const chain& c, bool name_only) {
    chain_ptr nc(checked(nftnl_chain_alloc()));
    nftnl_chain_set_str(nc.get(), NFTNL_CHAIN_TABLE, c.table.c_str());
    nftnl_chain_set_str(nc.get(), NFTNL_CHAIN_NAME, c.name.c_str());
    if (!name_only && c.base) {
        const base_chain& b = *c.base;
        nftnl_chain_set_u32(nc.get(), NFTNL_CHAIN_HOOKNUM, static_cast<std::uint32_t>(b.hook));
        nftnl_chain_set_s32(nc.get(), NFTNL_CHAIN_PRIO, b.priority);
        nftnl_chain_set_str(nc.get(), NFTNL_CHAIN_TYPE, b.type.c_str());
        if (b.policy) nftnl_chain_set_u32(nc.get(), NFTNL_CHAIN_POLICY, static_cast<std::uint32_t>(*b.policy));
        if (!b.device.empty()) nftnl_chain_set_str(nc.get(), NFTNL_CHAIN_DEV, b.device.c_str());
    }
    nftnl_chain_nlmsg_build_payload(nlh, nc.get());
}

void put_set(nlmsghdr* nlh, const set& s, std::uint32_t id) {
    set_ptr ns(checked(nftnl_set_alloc()));
    nftnl_set_set_str(ns.get(), NFTNL_SET_TABLE, s.table.c_str());
    nftnl_set_set_str(ns.get(), NFTNL_SET_NAME, s.name.c_str());
    nftnl_set_set_u32(ns.get(), NFTNL_SET_ID, id);
    nftnl_set_set_u32(ns.get(), NFTNL_SET_KEY_TYPE, s.key_type);
    nftnl_set_set_u32(ns.get(), NFTNL_SET_KEY_LEN, s.key_len);
    nftnl_set_set_u32(ns.get(), NFTNL_SET_FLAGS, s.flags);
    if (s.is_map()) {
        nftnl_set_set_u32(ns.get(), NFTNL_SET_DATA_TYPE, s.data_type);
        if (s.data_type != NFT_DATA_VERDICT) nftnl_set_set_u32(ns.get(), NFTNL_SET_DATA_LEN, s.data_len);
    }
    // An interface-name key is a string nft keeps in host byte order, and says so in the set's
    // userdata as nft itself does; without it `nft list` reverses the bytes and prints "".
    udata_ptr ud;
    if (s.key_type == datatype::ifname) {
        constexpr std::uint32_t host_endian = 1;  // nftables' BYTEORDER_HOST_ENDIAN
        ud.reset(checked(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)));
        nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, host_endian);
        nftnl_set_set_data(ns.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()), nftnl_udata_buf_len(ud.get()));
    }
    nftnl_set_nlmsg_build_payload(nlh, ns.get());
}

void put_set_name(nlmsghdr* nlh, const set_ref& s) {
    mnl_attr_put_strz(nlh, NFTA_SET_TABLE, s.table.c_str());
    mnl_attr_put_strz(nlh, NFTA_SET_NAME, s.name.c_str());
}

void put_elements_target(nlmsghdr* nlh, const set_ref& s) {
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, s.table.c_str());
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, s.name.c_str());
}

void put_elements(nlmsghdr* nlh, const set_ref& s, std::span<const element> elements) {
    set_ptr ns(checked(nftnl_set_alloc()));
    nftnl_set_set_str(ns.get(), NFTNL_SET_TABLE, s.table.c_str());
    nftnl_set_set_str(ns.get(), NFTNL_SET_NAME, s.name.c_str());
    for (const element& e : elements) nftnl_set_elem_add(ns.get(), make_element(e).release());
    nftnl_set_elems_nlmsg_build_payload(nlh, ns.get());
}

void put_rule_ref(nlmsghdr* nlh, const std::string& table, const std::string& chain, std::uint64_t handle) {
    rule_ptr nr(checked(nftnl_rule_alloc()));
    nftnl_rule_set_str(nr.get(), NFTNL_RULE_TABLE, table.c_str());
    if (!chain.empty()) nftnl_rule_set_str(nr.get(), NFTNL_RULE_CHAIN, chain.c_str());
    if (handle != 0) nftnl_rule_set_u64(nr.get(), NFTNL_RULE_HANDLE, handle);
    nftnl_rule_nlmsg_build_payload(nlh, nr.get());
}

std::size_t encoded_size(const element& e) {
    std::size_t n = 64;  // element nest, key and data nests, flags
    n += align4(e.key.size()) + align4(e.key_end.size()) + align4(e.data.size());
    if (e.verdict) n += 32 + align4(e.verdict->chain.size() + 1);
    if (!e.comment.empty()) n += 8 + align4(e.comment.size() + 3);
    return n;
}

}  // namespace wharf::nft::detail
