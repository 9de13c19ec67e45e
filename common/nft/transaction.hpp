#pragma once
// nft::transaction: nftables commands collected into one batch (NFNL_MSG_BATCH_BEGIN ... END) and
// committed in one datagram. The kernel applies the batch all-or-nothing. Every command carries
// NLM_F_ACK and its own sequence number; commit() reads every reply and, if any command failed,
// throws nft::error naming each failed command (`add rule inet wharf_nat postrouting`) with its
// errno and the kernel's message.
//
//   auto sock = netlink::socket::open(NETLINK_NETFILTER);
//   nft::transaction tx{sock};
//   tx.add(nft::table{family::inet, "wharf_nat"});
//   tx.add(nft::chain{.fam = family::inet, .table = "wharf_nat", .name = "postrouting",
//                     .base = nft::base_chain{.type = "nat", .hook = hook::postrouting, .priority = 100}});
//   tx.add(nft::rule{family::inet, "wharf_nat", "postrouting"}.match_saddr(subnet).masquerade().comment(tag));
//   tx.commit();
//
// add() creates what is missing and accepts what exists (as `nft add`); remove() of something
// missing fails with ENOENT at commit, so a caller may treat that as already gone.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/byte_buffer.hpp"
#include "netlink/socket.hpp"
#include "nft/objects.hpp"
#include "nft/rule.hpp"

struct nlmsghdr;

namespace wharf::nft {

class transaction {
public:
    // `sock` is a NETLINK_NETFILTER socket; it must outlive the transaction.
    explicit transaction(netlink::socket& sock) : sock_(&sock) {}
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    void add(const table& t);
    void remove(const table& t);      // with everything in it
    void flush(const table& t);       // every rule in every chain of the table

    void add(const chain& c);
    void remove(const chain& c);      // the chain must hold no rules (flush it first in the batch)
    void flush(const chain& c);       // every rule in the chain

    void add(const rule& r);          // appended to its chain
    void insert(const rule& r);       // placed first in its chain
    void remove(const rule_ref& r);

    void add(const set& s);           // a set, or a map when s.flags has NFT_SET_MAP
    void remove(const set_ref& s);
    void flush(const set_ref& s);     // every element
    // Large element lists are split over several commands (a netlink attribute holds 64 KiB);
    // they still commit or fail together with the rest of the batch.
    void add_elements(const set_ref& s, std::span<const element> elements);
    void remove_elements(const set_ref& s, std::span<const element> elements);  // keys suffice
    // As add_elements, but an element whose key exists already fails the batch with EEXIST
    // (`nft create element`): a compare-and-set for callers that read the set first.
    void create_elements(const set_ref& s, std::span<const element> elements);

    std::size_t size() const noexcept { return commands_.size(); }
    bool empty() const noexcept { return commands_.empty(); }
    // The description of each command so far, in order.
    std::vector<std::string> commands() const;

    // Sends the batch and reads every reply. Afterwards (success or failure) the transaction is
    // empty again and may be reused. An empty transaction commits nothing.
    void commit();

private:
    struct command {
        std::uint32_t seq;
        std::string what;
    };
    // Starts a command's message at the end of the batch and returns its header.
    nlmsghdr* begin_command(std::uint16_t type, family fam, std::uint16_t flags, std::string what);
    void end_command(nlmsghdr* nlh);
    void element_commands(std::uint16_t type, std::uint16_t flags, const char* verb, const set_ref& s,
                          std::span<const element> elements);
    char* reserve_tail();
    void reset() noexcept;
    std::string describe_batch() const;

    netlink::socket* sock_;
    char_buffer buf_;  // the batch so far: BEGIN then each command (never zero-filled)
    std::size_t used_ = 0;
    std::uint32_t next_set_id_ = 1;
    std::vector<command> commands_;
};

}  // namespace wharf::nft
