#pragma once
// Shared pieces: nftables state that belongs to a network rather than to one container (a subnet's
// masquerade, a bridge's isolation entries), made by the first ADD that needs it and removed by the
// DEL that leaves it unused, with the users recorded in a sys::shared_state. A plugin says what its
// pieces are through a piece_store; the protocol (who reads, who makes, who removes, under which
// lock) is here, once.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netlink/socket.hpp"
#include "sys/shared_state.hpp"

namespace wharf::nft {

// Opens the nftables socket on first use: a DEL that removes nothing never opens one.
class lazy_socket {
public:
    netlink::socket& get();
    bool opened() const noexcept { return sock_.has_value(); }

private:
    std::optional<netlink::socket> sock_;
};

// What a plugin knows about its pieces, by name.
class piece_store {
public:
    virtual ~piece_store() = default;
    // The pieces of `names` that nftables lacks or holds incompletely, named.
    virtual std::vector<std::string> missing(netlink::socket& sock, const std::vector<std::string>& names) const = 0;
    // Makes what is missing of `names`, in one transaction.
    virtual void make(netlink::socket& sock, const std::vector<std::string>& names) const = 0;
    // Removes whatever of `names` exists.
    virtual void remove(netlink::socket& sock, const std::vector<std::string>& names) const = 0;
};

// ADD: records `tag` as a user of `names` and makes whichever of them is missing. When they all
// exist (every ADD but a network's first, unless someone flushed the ruleset), this only reads.
void join_pieces(lazy_socket& sock, const sys::shared_state& state, const std::string& tag,
                 const std::vector<std::string>& names, const piece_store& store);
// DEL and ADD's rollback: drops `tag`'s record and removes the pieces no other attachment uses.
// Nothing is committed (and no socket opened) while others still use them. If removing fails,
// `tag` is a user again, so the runtime's next DEL (or GC) retries.
void leave_pieces(lazy_socket& sock, const sys::shared_state& state, const std::string& tag, const piece_store& store);
// GC: leave_pieces for every recorded attachment `stale` says is gone; then removes pieces that have
// users recorded only by stale tags (an ADD that died between writing them). Returns how many
// attachments it dropped.
std::size_t collect_pieces(lazy_socket& sock, const sys::shared_state& state,
                           const std::function<bool(const std::string& tag)>& stale, const piece_store& store);
// GC's repair: makes again, in one transaction, whichever pieces used by the recorded attachments
// `kept` says are valid nftables lacks (someone flushed the ruleset or deleted a chain); returns their
// names, empty when nothing was missing (then nothing was committed).
std::vector<std::string> restore_pieces(lazy_socket& sock, const sys::shared_state& state,
                                        const std::function<bool(const std::string& tag)>& kept,
                                        const piece_store& store);
// CHECK: throws cni::error naming the first of `names` that is missing in nftables or does not
// count `tag` as a user; `where` names the table for the message's details.
void verify_pieces(netlink::socket& sock, const sys::shared_state& state, const std::string& tag,
                   const std::vector<std::string>& names, const piece_store& store, const std::string& where);

}  // namespace wharf::nft
