#pragma once
// The nftables state an attachment relies on (see nft_layout.hpp): its network's shared pieces
// (a masquerade per subnet, isolation per bridge), which only the first ADD makes and the last DEL
// removes, and its own MAC spoof-check entries, committed by its ADD and DEL.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridge_conf.hpp"
#include "cni/result.hpp"
#include "net/mac.hpp"
#include "net/prefix.hpp"
#include "netlink/socket.hpp"
#include "nft/shared_pieces.hpp"
#include "sys/shared_state.hpp"

namespace wharf::bridge {

// The network's pieces one attachment uses.
struct network_pieces {
    std::vector<net::prefix> masquerade;  // subnets of the container's addresses (ipMasq)
    std::string isolated_bridge;          // non-empty: the bridge is isolated (isolation)

    // What an attachment with these addresses uses under `conf` (ipMasq, isolation).
    static network_pieces of(const bridge_conf& conf, const std::vector<cni::ip_config>& ips);

    bool empty() const noexcept { return masquerade.empty() && isolated_bridge.empty(); }
    std::vector<std::string> names() const;
};

using lazy_nft_socket = nft::lazy_socket;
using sys::shared_state;
// The bridge plugin's tree of shared state: <run dir>/bridge/<netns inode>.
inline constexpr const char* state_owner = "bridge";

// ADD: records `tag` as a user of `pieces` and makes whichever of them is missing. When they all
// exist (every ADD but a network's first, unless someone flushed the ruleset), this only reads.
void join_network(lazy_nft_socket& sock, const shared_state& state, const std::string& tag,
                  const network_pieces& pieces);
// DEL and ADD's rollback: drops `tag`'s record and removes the pieces no other attachment uses.
// Nothing is committed (and no socket opened) while others still use them.
void leave_network(lazy_nft_socket& sock, const shared_state& state, const std::string& tag);
// GC: leave_network for every recorded attachment `stale` says is gone; then removes pieces that
// exist in nftables with no user recorded (leftovers of a lost run directory). Returns how many
// attachments it dropped.
std::size_t collect_network(lazy_nft_socket& sock, const shared_state& state,
                            const std::function<bool(const std::string& tag)>& stale);
// GC: makes again the pieces nftables lacks that the attachments `kept` says are valid use (after a
// flushed ruleset); returns their names.
std::vector<std::string> restore_network(lazy_nft_socket& sock, const shared_state& state,
                                         const std::function<bool(const std::string& tag)>& kept);
// The agent's repair (wharfd): restore_network for every attachment recorded in this network
// namespace's state, of any network; returns the pieces made again.
std::vector<std::string> restore_recorded();
// STATUS: the pieces that attachments `ours` says are this network's use and nftables lacks (after
// a flushed ruleset, before any repair), named; only reads.
std::vector<std::string> missing_network_pieces(netlink::socket& sock, const shared_state& state,
                                                const std::function<bool(const std::string& tag)>& ours);
// CHECK: throws cni::error naming the first piece that is missing or does not count `tag` as a user.
void verify_network(netlink::socket& sock, const shared_state& state, const std::string& tag,
                    const network_pieces& pieces);

// The spoof check of one attachment: frames from `host_veth` must carry `mac`.
struct spoof_rule {
    std::string tag;  // owner_tag(network, container, ifname)
    std::string host_veth;
    net::mac mac;
};
// Creates whatever base objects are missing and adds the attachment's entries, atomically.
void apply_spoof_rule(netlink::socket& sock, const spoof_rule& rule);
// Throws cni::error naming the first entry that is missing or not owned by rule.tag.
void verify_spoof_rule(netlink::socket& sock, const spoof_rule& rule);
// Removes every per-attachment element whose owner tag satisfies `stale` (one transaction); returns how many.
std::size_t remove_owned(netlink::socket& sock, const std::function<bool(const std::string& tag)>& stale);

// The spoof checks' records, <run dir>/bridge/<host netns inode>/spoof/<tag>: "host_veth mac", so that
// GC and wharfd can make an attachment's entries again when nftables lost them. ADD applies and
// records under the state's lock held shared; DEL, GC and repair take it exclusively, so a repair
// never re-adds the entries of an attachment whose DEL is removing them.
// ADD: apply_spoof_rule and its record.
void add_spoof_check(netlink::socket& sock, const shared_state& state, const spoof_rule& rule);
// DEL and ADD's rollback: the entries of `tag` and its record.
void remove_spoof_check(lazy_nft_socket& sock, const shared_state& state, const std::string& tag);
// GC: drops the records of attachments `stale` says are gone (their entries go with remove_owned).
void drop_stale_spoof_records(const shared_state& state, const std::function<bool(const std::string& tag)>& stale);
// GC and the agent: for each recorded attachment `kept` says is valid and whose host veth still
// exists, makes again the entries nftables lost; returns the tags restored.
std::vector<std::string> restore_spoof_checks(lazy_nft_socket& sock, const shared_state& state,
                                              const std::function<bool(const std::string& tag)>& kept);

}  // namespace wharf::bridge
