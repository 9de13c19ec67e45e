#pragma once
// Value types for what a transaction creates and a read returns: tables, chains, sets and maps,
// elements and verdicts. They hold names and numbers only; libnftnl appears in the .cpp files.
//
//   nft::table{family::inet, "wharf_nat"}
//   nft::chain{.fam = family::inet, .table = "wharf_nat", .name = "postrouting",
//              .base = nft::base_chain{.type = "nat", .hook = hook::postrouting, .priority = 100}}
//   nft::set{.fam = family::inet, .table = "wharf_nat", .name = "dnat_map",
//            .key_type = datatype::concat({datatype::ipv4_addr, datatype::inet_service}), .key_len = 8,
//            .flags = NFT_SET_MAP,
//            .data_type = datatype::concat({datatype::ipv4_addr, datatype::inet_service}), .data_len = 8}
// glibc's netinet/in.h must come before the kernel's linux/in.h (pulled in by netfilter.h).
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "nft/family.hpp"

namespace wharf::nft {

using bytes = std::vector<std::uint8_t>;

struct table {
    family fam = family::inet;
    std::string name;
};

enum class hook : std::uint32_t {
    prerouting = NF_INET_PRE_ROUTING,
    input = NF_INET_LOCAL_IN,
    forward = NF_INET_FORWARD,
    output = NF_INET_LOCAL_OUT,
    postrouting = NF_INET_POST_ROUTING,
    ingress = NF_INET_INGRESS,
};

enum class policy : std::uint32_t { drop = NF_DROP, accept = NF_ACCEPT };

// What makes a chain a base chain: attached to a hook with a type and a priority.
struct base_chain {
    std::string type = "filter";  // "filter", "nat" or "route"
    nft::hook hook = hook::prerouting;
    std::int32_t priority = 0;    // nat: -100 (dstnat), 100 (srcnat); filter: 0
    std::optional<nft::policy> policy;  // unset: the kernel's default, accept
    std::string device;                 // netdev ingress only
};

struct chain {
    family fam = family::inet;
    std::string table;
    std::string name;
    std::optional<base_chain> base;  // unset: a regular chain, reached by jump/goto
};

// A set or map by name: enough to delete or flush it, or to add and remove elements.
struct set_ref {
    family fam = family::inet;
    std::string table;
    std::string name;
};

// nft's data type numbers for set keys and map data (nftables' datatype.h).
namespace datatype {
inline constexpr std::uint32_t verdict = 1;
inline constexpr std::uint32_t ipv4_addr = 7;
inline constexpr std::uint32_t ipv6_addr = 8;
inline constexpr std::uint32_t ether_addr = 9;
inline constexpr std::uint32_t inet_proto = 12;
inline constexpr std::uint32_t inet_service = 13;
inline constexpr std::uint32_t mark = 19;
inline constexpr std::uint32_t ifname = 41;
// The type of a concatenation ("ipv4_addr . inet_service"), as nft encodes it: 6 bits per member.
constexpr std::uint32_t concat(std::initializer_list<std::uint32_t> members) noexcept {
    std::uint32_t type = 0;
    for (std::uint32_t m : members) type = (type << 6) | m;
    return type;
}
}  // namespace datatype

// A named set, or a map when flags has NFT_SET_MAP. key_len and data_len are in bytes; a
// concatenation's members are each rounded up to 4 bytes (ipv4_addr . inet_service = 8).
// A verdict map has data_type NFT_DATA_VERDICT and no data_len.
struct set {
    family fam = family::inet;
    std::string table;
    std::string name;
    std::uint32_t key_type = 0;
    std::uint32_t key_len = 0;
    std::uint32_t flags = 0;  // NFT_SET_INTERVAL, NFT_SET_MAP, NFT_SET_CONSTANT, NFT_SET_TIMEOUT...
    std::uint32_t data_type = 0;
    std::uint32_t data_len = 0;
    std::uint64_t handle = 0;  // filled in by reads

    bool is_map() const noexcept { return (flags & NFT_SET_MAP) != 0; }
    set_ref ref() const { return {fam, table, name}; }
};

// An immediate verdict: in a rule, or as the data of a verdict-map element.
struct verdict {
    std::int32_t code = NF_ACCEPT;  // NF_ACCEPT, NF_DROP, NFT_RETURN, NFT_JUMP, NFT_GOTO, NFT_CONTINUE
    std::string chain;              // for NFT_JUMP and NFT_GOTO

    static verdict accept() { return {NF_ACCEPT, {}}; }
    static verdict drop() { return {NF_DROP, {}}; }
    static verdict ret() { return {NFT_RETURN, {}}; }
    static verdict jump(std::string chain) { return {NFT_JUMP, std::move(chain)}; }
    static verdict go_to(std::string chain) { return {NFT_GOTO, std::move(chain)}; }
    std::string to_string() const;  // "accept", "jump dnat_ports", ...
    friend bool operator==(const verdict&, const verdict&) = default;
};

// A set or map element. Keys and data are raw bytes in the kernel's layout (see nft/value.hpp).
struct element {
    bytes key;
    bytes key_end;                       // the end of a range, for interval sets with concatenations
    bytes data;                          // a map's value
    std::optional<nft::verdict> verdict; // a verdict map's value
    std::uint32_t flags = 0;             // NFT_SET_ELEM_INTERVAL_END for the end of an interval
    std::string comment;                 // userdata; an owner tag survives a round trip
};

// A rule as read back, identified by its handle.
struct rule_info {
    family fam = family::inet;
    std::string table;
    std::string chain;
    std::uint64_t handle = 0;
    std::string comment;  // the rule's userdata comment, empty if none
};

// A rule by handle: enough to delete it.
struct rule_ref {
    family fam = family::inet;
    std::string table;
    std::string chain;
    std::uint64_t handle = 0;
};

struct table_info {
    family fam = family::inet;
    std::string name;
    std::uint64_t handle = 0;
    std::uint32_t flags = 0;
};

struct chain_info {
    family fam = family::inet;
    std::string table;
    std::string name;
    std::uint64_t handle = 0;
    std::optional<base_chain> base;
};

}  // namespace wharf::nft
