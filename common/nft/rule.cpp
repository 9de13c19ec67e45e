#include "nft/rule.hpp"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "nft/nftnl_ptr.hpp"
#include "nft/value.hpp"

namespace wharf::nft {

namespace {

struct field_layout {
    std::uint32_t base;
    std::uint32_t offset;
    std::uint32_t len;
};

field_layout layout(field f) {
    switch (f) {
    case field::ip_saddr: return {NFT_PAYLOAD_NETWORK_HEADER, 12, 4};
    case field::ip_daddr: return {NFT_PAYLOAD_NETWORK_HEADER, 16, 4};
    case field::ip6_saddr: return {NFT_PAYLOAD_NETWORK_HEADER, 8, 16};
    case field::ip6_daddr: return {NFT_PAYLOAD_NETWORK_HEADER, 24, 16};
    case field::th_sport: return {NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2};
    case field::th_dport: return {NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2};
    case field::ether_saddr: return {NFT_PAYLOAD_LL_HEADER, 6, 6};
    case field::ether_daddr: return {NFT_PAYLOAD_LL_HEADER, 0, 6};
    }
    throw std::invalid_argument("unknown nft field");
}

// Dependency kinds, one bit each, so a rule checks each only once.
enum : unsigned { needs_ipv4 = 1, needs_ipv6 = 2, needs_ether = 4 };

unsigned dependency_of(field f) {
    switch (f) {
    case field::ip_saddr:
    case field::ip_daddr: return needs_ipv4;
    case field::ip6_saddr:
    case field::ip6_daddr: return needs_ipv6;
    case field::ether_saddr:
    case field::ether_daddr: return needs_ether;
    default: return 0;
    }
}

// Dependency checks use the last register, so they never clobber what a rule has loaded.
constexpr std::uint32_t scratch = NFT_REG32_15;

detail::expr_ptr make_expr(const char* name) { return detail::expr_ptr(detail::checked(nftnl_expr_alloc(name))); }

bytes raw(const void* p, std::size_t len) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    return bytes(b, b + len);
}

// Appends an expression; the rule owns it from then on.
void append(nftnl_rule* r, detail::expr_ptr e) { nftnl_rule_add_expr(r, e.release()); }

bytes mask_for(unsigned prefix_len, std::size_t size) {
    bytes mask(size, 0);
    for (std::size_t i = 0; i < size; ++i) {
        unsigned bits = prefix_len > i * 8 ? prefix_len - static_cast<unsigned>(i * 8) : 0;
        mask[i] = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff00u >> bits);
    }
    return mask;
}

}  // namespace

void rule::deleter::operator()(nftnl_rule* r) const noexcept { nftnl_rule_free(r); }

rule::rule(family fam, std::string table, std::string chain)
    : fam_(fam), table_(std::move(table)), chain_(std::move(chain)), rule_(detail::checked(nftnl_rule_alloc())) {
    nftnl_rule_set_u32(rule_.get(), NFTNL_RULE_FAMILY, static_cast<std::uint32_t>(fam_));
    nftnl_rule_set_str(rule_.get(), NFTNL_RULE_TABLE, table_.c_str());
    nftnl_rule_set_str(rule_.get(), NFTNL_RULE_CHAIN, chain_.c_str());
}

rule::rule(rule&&) noexcept = default;
rule& rule::operator=(rule&&) noexcept = default;
rule::~rule() = default;

rule& rule::load_meta(std::uint32_t key, std::uint32_t dreg) {
    auto e = make_expr("meta");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, dreg);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::load_payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len, std::uint32_t dreg) {
    auto e = make_expr("payload");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_DREG, dreg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_LEN, len);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::load_ct(std::uint32_t key, std::uint32_t dreg) {
    auto e = make_expr("ct");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_KEY, key);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_DREG, dreg);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::cmp(std::uint32_t sreg, cmp_op op, const bytes& data) {
    auto e = make_expr("cmp");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, sreg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, static_cast<std::uint32_t>(op));
    nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data.data(), static_cast<std::uint32_t>(data.size()));
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::bitwise(std::uint32_t sreg, std::uint32_t dreg, const bytes& mask, const bytes& xor_bits) {
    if (mask.size() != xor_bits.size()) throw std::invalid_argument("nft bitwise: mask and xor differ in length");
    auto e = make_expr("bitwise");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_SREG, sreg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_DREG, dreg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_LEN, static_cast<std::uint32_t>(mask.size()));
    nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_MASK, mask.data(), static_cast<std::uint32_t>(mask.size()));
    nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_XOR, xor_bits.data(), static_cast<std::uint32_t>(xor_bits.size()));
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::lookup(std::string_view set, std::uint32_t sreg, std::optional<std::uint32_t> dreg, bool invert) {
    auto e = make_expr("lookup");
    nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, std::string(set).c_str());
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, sreg);
    if (dreg) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_DREG, *dreg);
    if (invert) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::immediate(std::uint32_t dreg, const bytes& data) {
    auto e = make_expr("immediate");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, dreg);
    nftnl_expr_set(e.get(), NFTNL_EXPR_IMM_DATA, data.data(), static_cast<std::uint32_t>(data.size()));
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::fib(std::uint32_t flags, std::uint32_t result, std::uint32_t dreg) {
    auto e = make_expr("fib");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_FLAGS, flags);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_RESULT, result);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_DREG, dreg);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::match_daddr_local() {
    return fib(NFTA_FIB_F_DADDR, NFT_FIB_RESULT_ADDRTYPE, reg1).cmp(reg1, cmp_op::eq, u32(RTN_LOCAL));
}

rule& rule::counter() {
    auto e = make_expr("counter");
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::verdict(const nft::verdict& v) {
    auto e = make_expr("immediate");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(v.code));
    if (v.code == NFT_JUMP || v.code == NFT_GOTO) nftnl_expr_set_str(e.get(), NFTNL_EXPR_IMM_CHAIN, v.chain.c_str());
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::masquerade(std::uint32_t flags) {
    auto e = make_expr("masq");
    if (flags != 0) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_MASQ_FLAGS, flags);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::nat(std::uint32_t type, net::family f, std::uint32_t addr_reg, std::optional<std::uint32_t> proto_reg) {
    auto e = make_expr("nat");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_TYPE, type);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FAMILY, f == net::family::v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_ADDR_MIN, addr_reg);
    if (proto_reg) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_PROTO_MIN, *proto_reg);
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::snat(net::family f, std::uint32_t addr_reg, std::optional<std::uint32_t> proto_reg) {
    return nat(NFT_NAT_SNAT, f, addr_reg, proto_reg);
}

rule& rule::dnat(net::family f, std::uint32_t addr_reg, std::optional<std::uint32_t> proto_reg) {
    return nat(NFT_NAT_DNAT, f, addr_reg, proto_reg);
}

rule& rule::nat_to(std::uint32_t type, const net::ip_address& a, std::optional<std::uint16_t> port) {
    immediate(reg32(8), addr(a));
    std::optional<std::uint32_t> proto_reg;
    if (port) {
        immediate(reg32(12), nft::port(*port));
        proto_reg = reg32(12);
    }
    return nat(type, a.fam(), reg32(8), proto_reg);
}

rule& rule::snat_to(const net::ip_address& a, std::optional<std::uint16_t> port) { return nat_to(NFT_NAT_SNAT, a, port); }

rule& rule::dnat_to(const net::ip_address& a, std::optional<std::uint16_t> port) { return nat_to(NFT_NAT_DNAT, a, port); }

void rule::depend_on(field f) {
    unsigned kind = dependency_of(f);
    if (kind == 0 || (dependencies_ & kind) != 0) return;
    dependencies_ |= kind;
    if (kind == needs_ether) {
        if (fam_ == family::bridge || fam_ == family::netdev) return;
        std::uint16_t type = ARPHRD_ETHER;  // host order, as the kernel stores dev->type
        load_meta(NFT_META_IIFTYPE, scratch);
        cmp(scratch, cmp_op::eq, raw(&type, sizeof type));
        return;
    }
    bool v4 = kind == needs_ipv4;
    if (fam_ == family::inet) {
        load_meta(NFT_META_NFPROTO, scratch);
        cmp(scratch, cmp_op::eq, proto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6));
    } else if (fam_ == family::bridge || fam_ == family::netdev) {
        std::uint16_t ethertype = htons(v4 ? ETH_P_IP : ETH_P_IPV6);
        load_meta(NFT_META_PROTOCOL, scratch);
        cmp(scratch, cmp_op::eq, raw(&ethertype, sizeof ethertype));
    }
}

rule& rule::load(field f, std::uint32_t dreg) {
    depend_on(f);
    field_layout l = layout(f);
    return load_payload(l.base, l.offset, l.len, dreg);
}

rule& rule::match_iifname(std::string_view name, cmp_op op) {
    return load_meta(NFT_META_IIFNAME, reg1).cmp(reg1, op, ifname(name));
}

rule& rule::match_oifname(std::string_view name, cmp_op op) {
    return load_meta(NFT_META_OIFNAME, reg1).cmp(reg1, op, ifname(name));
}

rule& rule::match_l4proto(std::uint8_t protocol, cmp_op op) {
    return load_meta(NFT_META_L4PROTO, reg1).cmp(reg1, op, proto(protocol));
}

rule& rule::match_nfproto(std::uint8_t nfproto, cmp_op op) {
    return load_meta(NFT_META_NFPROTO, reg1).cmp(reg1, op, proto(nfproto));
}

rule& rule::match_mark(std::uint32_t mark, cmp_op op) { return load_meta(NFT_META_MARK, reg1).cmp(reg1, op, u32(mark)); }

rule& rule::match_prefix(field f, const net::prefix& p, cmp_op op) {
    load(f, reg1);
    bytes network = addr(p.network());
    if (p.length() < p.address().bits()) {
        bitwise(reg1, reg1, mask_for(p.length(), network.size()), bytes(network.size(), 0));
    }
    return cmp(reg1, op, network);
}

rule& rule::match_saddr(const net::prefix& p, cmp_op op) {
    return match_prefix(p.is_v4() ? field::ip_saddr : field::ip6_saddr, p, op);
}

rule& rule::match_daddr(const net::prefix& p, cmp_op op) {
    return match_prefix(p.is_v4() ? field::ip_daddr : field::ip6_daddr, p, op);
}

rule& rule::match_th_dport(std::uint16_t p, cmp_op op) { return load(field::th_dport, reg1).cmp(reg1, op, port(p)); }

rule& rule::match_ether_saddr(const net::mac& m, cmp_op op) {
    return load(field::ether_saddr, reg1).cmp(reg1, op, ether(m));
}

rule& rule::match_ct_state(std::uint32_t states) {
    load_ct(NFT_CT_STATE, reg1);
    bitwise(reg1, reg1, u32(states), u32(0));
    return cmp(reg1, cmp_op::neq, u32(0));
}

rule& rule::xt_match(std::string_view name, std::uint32_t revision, const bytes& info) {
    auto e = make_expr("match");
    nftnl_expr_set_str(e.get(), NFTNL_EXPR_MT_NAME, std::string(name).c_str());
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_MT_REV, revision);
    // libnftnl keeps the pointer it is given and frees it with the expression: hand it a malloc'd copy.
    void* copy = detail::checked(std::malloc(info.size()));
    std::memcpy(copy, info.data(), info.size());
    nftnl_expr_set(e.get(), NFTNL_EXPR_MT_INFO, copy, static_cast<std::uint32_t>(info.size()));
    append(rule_.get(), std::move(e));
    return *this;
}

rule& rule::match_in_set(field f, std::string_view set, bool invert) {
    load(f, reg1);
    return lookup(set, reg1, std::nullopt, invert);
}

rule& rule::comment(std::string_view text) {
    if (text.size() >= NFTNL_UDATA_COMMENT_MAXLEN)
        throw std::invalid_argument("nft rule comment longer than 127 bytes: " + std::string(text));
    detail::udata_ptr buf(detail::checked(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)));
    if (!nftnl_udata_put_strz(buf.get(), NFTNL_UDATA_RULE_COMMENT, std::string(text).c_str()))
        throw std::invalid_argument("nft rule comment does not fit: " + std::string(text));
    nftnl_rule_set_data(rule_.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(buf.get()), nftnl_udata_buf_len(buf.get()));
    return *this;
}

}  // namespace wharf::nft
