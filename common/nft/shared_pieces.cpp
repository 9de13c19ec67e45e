#include "nft/shared_pieces.hpp"

#include <linux/netlink.h>

#include <algorithm>

#include "cni/error.hpp"
#include "netlink/netfilter_socket.hpp"

namespace wharf::nft {

namespace {

// Drops `tag` as a user and removes what it was the last user of. Hold the state's lock exclusively.
void leave_locked(lazy_socket& sock, const sys::shared_state& state, const std::string& tag, const piece_store& store) {
    const std::vector<std::string> pieces = state.pieces_of(tag);
    const std::vector<std::string> last = state.leave(tag);
    try {
        if (!last.empty()) store.remove(sock.get(), last);
    } catch (...) {
        state.join(tag, pieces);
        throw;
    }
    state.forget(tag);
}

}  // namespace

netlink::socket& lazy_socket::get() {
    if (!sock_) sock_.emplace(netlink::netfilter_socket());
    return *sock_;
}

void join_pieces(lazy_socket& sock, const sys::shared_state& state, const std::string& tag,
                 const std::vector<std::string>& names, const piece_store& store) {
    if (names.empty()) return;
    {
        const auto shared = state.lock(sys::lock_kind::shared);
        state.join(tag, names);
        if (store.missing(sock.get(), names).empty()) return;
    }
    // The network's first ADD (or the first after a flush): make the pieces, one maker at a time so
    // that no rule is added twice. The store re-reads under the exclusive lock: another ADD may
    // have made them meanwhile.
    const auto exclusive = state.lock(sys::lock_kind::exclusive);
    store.make(sock.get(), names);
}

void leave_pieces(lazy_socket& sock, const sys::shared_state& state, const std::string& tag, const piece_store& store) {
    const auto exclusive = state.lock(sys::lock_kind::exclusive);
    leave_locked(sock, state, tag, store);
}

std::size_t collect_pieces(lazy_socket& sock, const sys::shared_state& state,
                           const std::function<bool(const std::string& tag)>& stale, const piece_store& store) {
    const auto exclusive = state.lock(sys::lock_kind::exclusive);
    std::size_t dropped = 0;
    for (const auto& tag : state.attachments()) {
        if (!stale(tag)) continue;
        leave_locked(sock, state, tag, store);
        ++dropped;
    }
    // User entries without a record: an ADD that died between writing the two.
    std::vector<std::string> unused;
    for (const auto& piece : state.pieces())
        if (state.drop_users(piece, stale)) unused.push_back(piece);
    if (!unused.empty()) store.remove(sock.get(), unused);
    return dropped;
}

std::vector<std::string> restore_pieces(lazy_socket& sock, const sys::shared_state& state,
                                        const std::function<bool(const std::string& tag)>& kept,
                                        const piece_store& store) {
    const auto exclusive = state.lock(sys::lock_kind::exclusive);
    std::vector<std::string> used;
    for (const auto& tag : state.attachments()) {
        if (!kept(tag)) continue;
        for (auto& piece : state.pieces_of(tag))
            if (std::find(used.begin(), used.end(), piece) == used.end()) used.push_back(std::move(piece));
    }
    if (used.empty()) return {};
    auto missing = store.missing(sock.get(), used);
    if (!missing.empty()) store.make(sock.get(), missing);
    return missing;
}

void verify_pieces(netlink::socket& sock, const sys::shared_state& state, const std::string& tag,
                   const std::vector<std::string>& names, const piece_store& store, const std::string& where) {
    for (const auto& name : names)
        if (!state.uses(tag, name))
            throw cni::error(cni::code::internal, "this attachment is not recorded as a user of " + name,
                             "no " + state.path() + "/users/" + name + "/" + tag);
    const auto missing = store.missing(sock, names);
    if (!missing.empty())
        throw cni::error(cni::code::internal, "nftables " + missing.front() + " of this network is missing or incomplete",
                         where);
}

}  // namespace wharf::nft
