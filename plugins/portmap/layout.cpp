#include "layout.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

#include "nft/value.hpp"

namespace wharf::portmap::layout {

namespace {

using nft::datatype::concat;
using nft::datatype::inet_proto;
using nft::datatype::inet_service;

constexpr nft::family inet = nft::family::inet;

std::uint32_t addr_type(net::family f) {
    return f == net::family::v4 ? nft::datatype::ipv4_addr : nft::datatype::ipv6_addr;
}
std::uint32_t addr_len(net::family f) { return f == net::family::v4 ? 4 : 16; }
const char* suffix(net::family f) { return f == net::family::v4 ? "4" : "6"; }

nft::set ports_set(net::family f) {
    return nft::set{.fam = inet, .table = table_name, .name = std::string("ports") + suffix(f),
                    .key_type = concat({inet_proto, addr_type(f), inet_service}), .key_len = 4 + addr_len(f) + 4,
                    .flags = NFT_SET_MAP,
                    .data_type = concat({addr_type(f), inet_service}), .data_len = addr_len(f) + 4};
}

nft::set standby_set(net::family f) {
    return nft::set{.fam = inet, .table = table_name, .name = std::string("standby") + suffix(f),
                    .key_type = concat({inet_proto, addr_type(f), inet_service, addr_type(f)}),
                    .key_len = 4 + addr_len(f) + 4 + addr_len(f),
                    .flags = NFT_SET_MAP,
                    .data_type = concat({addr_type(f), inet_service}), .data_len = addr_len(f) + 4};
}

nft::set hairpin_set(net::family f) {
    return nft::set{.fam = inet, .table = table_name, .name = std::string("hairpin") + suffix(f),
                    .key_type = addr_type(f), .key_len = addr_len(f), .flags = NFT_SET_MAP,
                    .data_type = NFT_DATA_VERDICT};
}

nft::chain base(const char* name, const char* type, nft::hook h, int prio) {
    return nft::chain{.fam = inet, .table = table_name, .name = name,
                      .base = nft::base_chain{.type = type, .hook = h, .priority = prio}};
}

nft::chain regular(const std::string& name) { return nft::chain{.fam = inet, .table = table_name, .name = name}; }

std::string dnat_chain(net::family f) { return std::string("dnat") + suffix(f); }

// nat chain rules: conditions, then only traffic for an address of this host, into the port maps.
void add_dispatch(nft::transaction& tx, const char* chain, const portmap_conf& conf) {
    for (net::family f : {net::family::v4, net::family::v6}) {
        nft::rule r{inet, table_name, chain};
        r.match_nfproto(f == net::family::v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
        apply(r, conf.conditions(f));
        r.match_daddr_local().jump(dnat_chain(f));
        tx.add(r);
    }
}

// dnat <family> to meta l4proto . <host address or the unspecified one> . th dport map @ports<f>
void add_dnat_rules(nft::transaction& tx, net::family f) {
    const bool v4 = f == net::family::v4;
    const std::uint32_t port_reg = nft::reg32(v4 ? 2 : 5);
    const std::uint32_t data_reg = nft::reg32(8);
    const std::uint32_t data_port_reg = nft::reg32(v4 ? 9 : 12);
    for (bool any : {false, true}) {
        nft::rule r{inet, table_name, dnat_chain(f)};
        r.load_meta(NFT_META_L4PROTO, nft::reg32(0));
        if (any) {
            r.immediate(nft::reg32(1), nft::bytes(addr_len(f), 0));
        } else {
            r.load(v4 ? nft::field::ip_daddr : nft::field::ip6_daddr, nft::reg32(1));
        }
        r.load(nft::field::th_dport, port_reg);
        r.lookup(ports_map(f).name, nft::reg32(0), data_reg);
        r.counter();
        r.dnat(f, data_reg, data_port_reg);
        tx.add(r);
    }
}

void add_postrouting_rules(nft::transaction& tx) {
    for (net::family f : {net::family::v4, net::family::v6}) {
        nft::rule r{inet, table_name, "postrouting"};
        r.load_ct(NFT_CT_STATUS, nft::reg1)
            .bitwise(nft::reg1, nft::reg1, nft::u32(IPS_DST_NAT), nft::u32(0))
            .cmp(nft::reg1, nft::cmp_op::neq, nft::u32(0));
        r.load(f == net::family::v4 ? nft::field::ip_daddr : nft::field::ip6_daddr, nft::reg1);
        r.lookup(hairpin_map(f).name, nft::reg1, NFT_REG_VERDICT);
        tx.add(r);
    }
}

}  // namespace

nft::set_ref ports_map(net::family f) { return ports_set(f).ref(); }
nft::set_ref standby_map(net::family f) { return standby_set(f).ref(); }
nft::set_ref hairpin_map(net::family f) { return hairpin_set(f).ref(); }

std::string hairpin_chain(const net::prefix& subnet) {
    std::string text = subnet.canonical().to_string();
    for (char& c : text)
        if (c == '/') c = '_';
    return hairpin_chain_prefix + text;
}

void add_base(nft::transaction& tx, const portmap_conf& conf) {
    tx.add(nft::table{inet, table_name});
    for (net::family f : {net::family::v4, net::family::v6}) {
        tx.add(ports_set(f));
        tx.add(standby_set(f));
        tx.add(hairpin_set(f));
    }
    const std::string fixed[] = {"prerouting", "output", "postrouting", "dnat4", "dnat6", masq_all_chain};
    tx.add(base("prerouting", "nat", nft::hook::prerouting, -100));
    tx.add(base("output", "nat", nft::hook::output, -100));
    tx.add(base("postrouting", "nat", nft::hook::postrouting, 100));
    tx.add(regular("dnat4"));
    tx.add(regular("dnat6"));
    tx.add(regular(masq_all_chain));
    for (const auto& name : fixed) tx.flush(regular(name));

    add_dnat_rules(tx, net::family::v4);
    add_dnat_rules(tx, net::family::v6);
    add_dispatch(tx, "prerouting", conf);
    add_dispatch(tx, "output", conf);
    add_postrouting_rules(tx);
    tx.add(nft::rule{inet, table_name, masq_all_chain}.masquerade());
}

void add_hairpin_chain(nft::transaction& tx, const net::prefix& subnet) {
    const std::string name = hairpin_chain(subnet);
    tx.add(regular(name));
    tx.flush(regular(name));
    tx.add(nft::rule{inet, table_name, name}.match_saddr(subnet.canonical()).masquerade());
    // 127.0.0.1:hostPort from the host's own processes (route_localnet): the source must change.
    if (subnet.is_v4()) tx.add(nft::rule{inet, table_name, name}.match_saddr(*net::prefix::parse("127.0.0.0/8")).masquerade());
}

nft::bytes ports_key(std::uint8_t protocol, const net::ip_address& host, std::uint16_t host_port) {
    return nft::concat({nft::proto(protocol), nft::addr(host), nft::port(host_port)});
}

nft::bytes standby_key(const nft::bytes& key, const net::ip_address& container) {
    nft::bytes out = key;
    nft::bytes a = nft::addr(container);
    out.insert(out.end(), a.begin(), a.end());
    return out;
}

nft::bytes target(const net::ip_address& container, std::uint16_t container_port) {
    return nft::concat({nft::addr(container), nft::port(container_port)});
}

nft::bytes ports_key_of_standby(const nft::bytes& key, net::family f) {
    const std::size_t len = 4 + addr_len(f) + 4;
    return key.size() < len ? key : nft::bytes(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(len));
}

decoded_key decode_ports_key(const nft::bytes& key, net::family f) {
    decoded_key d;
    const std::size_t alen = addr_len(f);
    if (key.size() < 4 + alen + 4) return d;
    d.protocol = key[0];
    d.host = *net::ip_address::from_bytes(key.data() + 4, alen);
    d.port = static_cast<std::uint16_t>((key[4 + alen] << 8) | key[4 + alen + 1]);
    return d;
}

std::string describe_target(const nft::bytes& data, net::family f) {
    const std::size_t alen = addr_len(f);
    if (data.size() < alen + 2) return "?";
    auto a = *net::ip_address::from_bytes(data.data(), alen);
    unsigned port = (static_cast<unsigned>(data[alen]) << 8) | data[alen + 1];
    return (f == net::family::v6 ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port);
}

}  // namespace wharf::portmap::layout
