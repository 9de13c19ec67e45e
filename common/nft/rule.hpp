#pragma once
// nft::rule: a rule under construction, built from libnftnl expressions. Matches load a field into
// register 1 and compare it; the low-level calls take explicit registers for lookups, concatenations
// and NAT. Each call appends to the rule, in order, and returns the rule for chaining.
//
//   nft::rule r{family::inet, "wharf_nat", "postrouting"};
//   r.match_saddr(*net::prefix::parse("10.88.0.0/16"))
//    .match_daddr(*net::prefix::parse("10.88.0.0/16"), cmp_op::neq)
//    .counter().masquerade().comment("wharf:net1");
//
//   // ip daddr . th dport  ->  dnat to ip addr . port, through a map
//   nft::rule d{family::inet, "wharf_nat", "prerouting"};
//   d.match_l4proto(IPPROTO_TCP)
//    .load(field::ip_daddr, reg32(0)).load(field::th_dport, reg32(1))
//    .lookup("dnat_map", reg32(0), reg32(2))
//    .dnat(net::family::v4, reg32(2), reg32(3));
// glibc's netinet/in.h must come before the kernel's linux/in.h (pulled in by netfilter.h).
#include <netinet/in.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "net/prefix.hpp"
#include "nft/objects.hpp"

struct nftnl_rule;

namespace wharf::nft {

// Registers: reg1 is the 16-byte register matches use; reg32(n) are its 4-byte slices and their
// successors (reg32(0..3) overlap reg1), for concatenations and NAT.
inline constexpr std::uint32_t reg1 = NFT_REG_1;
constexpr std::uint32_t reg32(unsigned n) noexcept { return NFT_REG32_00 + n; }

enum class cmp_op : std::uint32_t {
    eq = NFT_CMP_EQ, neq = NFT_CMP_NEQ, lt = NFT_CMP_LT, lte = NFT_CMP_LTE, gt = NFT_CMP_GT, gte = NFT_CMP_GTE,
};

// Header fields a rule can load. Network-layer fields bring their own dependency (meta nfproto in
// an inet table, meta protocol in bridge/netdev), link-layer ones check the interface is Ethernet.
enum class field {
    ip_saddr, ip_daddr, ip6_saddr, ip6_daddr,
    th_sport, th_dport,  // transport header ports: match l4proto first
    ether_saddr, ether_daddr,
};

// ct state bits, for match_ct_state.
namespace ct_state {
inline constexpr std::uint32_t invalid = NF_CT_STATE_INVALID_BIT;
inline constexpr std::uint32_t established = NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
inline constexpr std::uint32_t related = NF_CT_STATE_BIT(IP_CT_RELATED);
inline constexpr std::uint32_t new_ = NF_CT_STATE_BIT(IP_CT_NEW);
inline constexpr std::uint32_t untracked = NF_CT_STATE_UNTRACKED_BIT;
}  // namespace ct_state

class rule {
public:
    rule(family fam, std::string table, std::string chain);
    rule(rule&&) noexcept;
    rule& operator=(rule&&) noexcept;
    ~rule();

    // Matches (register 1).
    rule& match_iifname(std::string_view name, cmp_op op = cmp_op::eq);
    rule& match_oifname(std::string_view name, cmp_op op = cmp_op::eq);
    rule& match_l4proto(std::uint8_t protocol, cmp_op op = cmp_op::eq);  // IPPROTO_TCP, ...
    rule& match_nfproto(std::uint8_t nfproto, cmp_op op = cmp_op::eq);   // NFPROTO_IPV4, ...
    rule& match_mark(std::uint32_t mark, cmp_op op = cmp_op::eq);
    // ip or ip6 saddr/daddr by the prefix's family; a prefix shorter than the address is masked.
    rule& match_saddr(const net::prefix& p, cmp_op op = cmp_op::eq);
    rule& match_daddr(const net::prefix& p, cmp_op op = cmp_op::eq);
    rule& match_th_dport(std::uint16_t port, cmp_op op = cmp_op::eq);
    rule& match_ether_saddr(const net::mac& m, cmp_op op = cmp_op::eq);
    // True when the connection's state is any of `states` (ct_state bits).
    rule& match_ct_state(std::uint32_t states);
    // Loads `f` and looks it up in the named set (`invert`: matches when absent).
    rule& match_in_set(field f, std::string_view set, bool invert = false);

    // Low level: loads, compare, mask, lookup, immediate.
    rule& load(field f, std::uint32_t dreg);
    rule& load_meta(std::uint32_t key, std::uint32_t dreg);  // NFT_META_*
    rule& load_payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len, std::uint32_t dreg);
    rule& load_ct(std::uint32_t key, std::uint32_t dreg);    // NFT_CT_*
    rule& cmp(std::uint32_t sreg, cmp_op op, const bytes& data);
    // dreg = (sreg & mask) ^ xor_bits, over mask.size() bytes.
    rule& bitwise(std::uint32_t sreg, std::uint32_t dreg, const bytes& mask, const bytes& xor_bits);
    // A set lookup when dreg is unset; a map lookup writing the value to dreg otherwise.
    rule& lookup(std::string_view set, std::uint32_t sreg, std::optional<std::uint32_t> dreg = {},
                 bool invert = false);
    rule& immediate(std::uint32_t dreg, const bytes& data);
    // A FIB lookup: `flags` NFTA_FIB_F_* (what to look up by), `result` NFT_FIB_RESULT_*.
    rule& fib(std::uint32_t flags, std::uint32_t result, std::uint32_t dreg);
    // `fib daddr type local`: the destination is an address of this host (RTN_LOCAL).
    rule& match_daddr_local();
    // An x_tables match run through nft_compat (`match name <name> rev <rev>`), as iptables-nft
    // writes the matches nftables has no native form for; `info` is the match's struct, padded to
    // XT_ALIGN. Only in ip and ip6 tables that iptables-nft must still read.
    rule& xt_match(std::string_view name, std::uint32_t revision, const bytes& info);

    // Statements.
    rule& counter();
    rule& verdict(const nft::verdict& v);
    rule& accept() { return verdict(verdict::accept()); }
    rule& drop() { return verdict(verdict::drop()); }
    rule& ret() { return verdict(verdict::ret()); }
    rule& jump(std::string chain) { return verdict(verdict::jump(std::move(chain))); }
    rule& go_to(std::string chain) { return verdict(verdict::go_to(std::move(chain))); }
    rule& masquerade(std::uint32_t flags = 0);  // NF_NAT_RANGE_* flags
    // NAT from registers: the address in addr_reg, the port (if any) in proto_reg.
    rule& snat(net::family f, std::uint32_t addr_reg, std::optional<std::uint32_t> proto_reg = {});
    rule& dnat(net::family f, std::uint32_t addr_reg, std::optional<std::uint32_t> proto_reg = {});
    // NAT to constants (loaded into reg32(8..11) and reg32(12) first).
    rule& snat_to(const net::ip_address& a, std::optional<std::uint16_t> port = {});
    rule& dnat_to(const net::ip_address& a, std::optional<std::uint16_t> port = {});

    // The rule's userdata comment (at most 127 bytes): how an owner tag travels with the rule.
    rule& comment(std::string_view text);

    family fam() const noexcept { return fam_; }
    const std::string& table() const noexcept { return table_; }
    const std::string& chain() const noexcept { return chain_; }
    // The libnftnl object, for the transaction that sends it.
    nftnl_rule* native() const noexcept { return rule_.get(); }

private:
    struct deleter {
        void operator()(nftnl_rule* r) const noexcept;
    };
    void depend_on(field f);
    rule& nat(std::uint32_t type, net::family f, std::uint32_t addr_reg, std::optional<std::uint32_t> proto_reg);
    rule& nat_to(std::uint32_t type, const net::ip_address& a, std::optional<std::uint16_t> port);
    rule& match_prefix(field f, const net::prefix& p, cmp_op op);

    family fam_;
    std::string table_;
    std::string chain_;
    std::unique_ptr<nftnl_rule, deleter> rule_;
    unsigned dependencies_ = 0;  // dependency checks already emitted (bit per kind)
};

}  // namespace wharf::nft
