#include "nft/transaction.hpp"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "base/undo_stack.hpp"
#include "nft/encode.hpp"
#include "nft/error.hpp"

namespace wharf::nft {

namespace {

// Room kept free at the end of the batch buffer for the next message. A message never exceeds it:
// attribute nests are limited to 64 KiB, and element lists are split well below that.
constexpr std::size_t message_headroom = 128 * 1024;
// The most element bytes put in one message.
constexpr std::size_t element_budget = 32 * 1024;

std::string describe(std::string_view verb, std::string_view kind, family fam, std::string_view table,
                     std::string_view name = {}) {
    std::string s;
    s.append(verb).append(" ").append(kind).append(" ").append(nft::name(fam)).append(" ").append(table);
    if (!name.empty()) s.append(" ").append(name);
    return s;
}

}  // namespace

char* transaction::reserve_tail() {
    if (buf_.size() < used_ + message_headroom) buf_.grow(std::max(buf_.size() * 2, used_ + message_headroom), used_);
    return buf_.data() + used_;
}

nlmsghdr* transaction::begin_command(std::uint16_t type, family fam, std::uint16_t flags, std::string what) {
    if (used_ == 0) {
        nlmsghdr* begin = nftnl_batch_begin(reserve_tail(), sock_->next_seq());
        used_ += begin->nlmsg_len;
    }
    std::uint32_t seq = sock_->next_seq();
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(reserve_tail(), type, static_cast<std::uint16_t>(fam),
                                          static_cast<std::uint16_t>(flags | NLM_F_ACK), seq);
    commands_.push_back({seq, std::move(what)});
    return nlh;
}

void transaction::end_command(nlmsghdr* nlh) { used_ += MNL_ALIGN(nlh->nlmsg_len); }

std::vector<std::string> transaction::commands() const {
    std::vector<std::string> out;
    out.reserve(commands_.size());
    for (const command& c : commands_) out.push_back(c.what);
    return out;
}

void transaction::add(const table& t) {
    nlmsghdr* nlh = begin_command(NFT_MSG_NEWTABLE, t.fam, NLM_F_CREATE, describe("add", "table", t.fam, t.name));
    detail::put_table(nlh, t);
    end_command(nlh);
}

void transaction::remove(const table& t) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELTABLE, t.fam, 0, describe("delete", "table", t.fam, t.name));
    detail::put_table(nlh, t);
    end_command(nlh);
}

void transaction::flush(const table& t) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELRULE, t.fam, 0, describe("flush", "table", t.fam, t.name));
    detail::put_rule_ref(nlh, t.name, {}, 0);
    end_command(nlh);
}

void transaction::add(const chain& c) {
    nlmsghdr* nlh = begin_command(NFT_MSG_NEWCHAIN, c.fam, NLM_F_CREATE, describe("add", "chain", c.fam, c.table, c.name));
    detail::put_chain(nlh, c, false);
    end_command(nlh);
}

void transaction::remove(const chain& c) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELCHAIN, c.fam, 0, describe("delete", "chain", c.fam, c.table, c.name));
    detail::put_chain(nlh, c, true);
    end_command(nlh);
}

void transaction::flush(const chain& c) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELRULE, c.fam, 0, describe("flush", "chain", c.fam, c.table, c.name));
    detail::put_rule_ref(nlh, c.table, c.name, 0);
    end_command(nlh);
}

void transaction::add(const rule& r) {
    nlmsghdr* nlh = begin_command(NFT_MSG_NEWRULE, r.fam(), NLM_F_CREATE | NLM_F_APPEND,
                                  describe("add", "rule", r.fam(), r.table(), r.chain()));
    nftnl_rule_nlmsg_build_payload(nlh, r.native());
    end_command(nlh);
}

void transaction::insert(const rule& r) {
    nlmsghdr* nlh = begin_command(NFT_MSG_NEWRULE, r.fam(), NLM_F_CREATE,
                                  describe("insert", "rule", r.fam(), r.table(), r.chain()));
    nftnl_rule_nlmsg_build_payload(nlh, r.native());
    end_command(nlh);
}

void transaction::remove(const rule_ref& r) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELRULE, r.fam, 0,
                                  describe("delete", "rule", r.fam, r.table, r.chain) + " handle " +
                                      std::to_string(r.handle));
    detail::put_rule_ref(nlh, r.table, r.chain, r.handle);
    end_command(nlh);
}

void transaction::add(const set& s) {
    nlmsghdr* nlh = begin_command(NFT_MSG_NEWSET, s.fam, NLM_F_CREATE,
                                  describe("add", s.is_map() ? "map" : "set", s.fam, s.table, s.name));
    detail::put_set(nlh, s, next_set_id_++);
    end_command(nlh);
}

void transaction::remove(const set_ref& s) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELSET, s.fam, 0, describe("delete", "set", s.fam, s.table, s.name));
    detail::put_set_name(nlh, s);
    end_command(nlh);
}

void transaction::flush(const set_ref& s) {
    nlmsghdr* nlh = begin_command(NFT_MSG_DELSETELEM, s.fam, 0, describe("flush", "set", s.fam, s.table, s.name));
    detail::put_elements_target(nlh, s);
    end_command(nlh);
}

void transaction::element_commands(std::uint16_t type, std::uint16_t flags, const char* verb, const set_ref& s,
                                   std::span<const element> elements) {
    std::size_t total = elements.size();
    std::size_t first = 0;
    while (first < total) {
        std::size_t last = first;
        std::size_t bytes = 0;
        while (last < total && (last == first || bytes + detail::encoded_size(elements[last]) <= element_budget))
            bytes += detail::encoded_size(elements[last++]);
        std::string what = describe(verb, "element", s.fam, s.table, s.name);
        if (first != 0 || last != total)
            what += " (elements " + std::to_string(first + 1) + "-" + std::to_string(last) + " of " +
                    std::to_string(total) + ")";
        nlmsghdr* nlh = begin_command(type, s.fam, flags, std::move(what));
        detail::put_elements(nlh, s, elements.subspan(first, last - first));
        end_command(nlh);
        first = last;
    }
}

void transaction::add_elements(const set_ref& s, std::span<const element> elements) {
    element_commands(NFT_MSG_NEWSETELEM, NLM_F_CREATE, "add", s, elements);
}

void transaction::create_elements(const set_ref& s, std::span<const element> elements) {
    element_commands(NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, "create", s, elements);
}

void transaction::remove_elements(const set_ref& s, std::span<const element> elements) {
    element_commands(NFT_MSG_DELSETELEM, 0, "delete", s, elements);
}

void transaction::reset() noexcept {
    used_ = 0;
    commands_.clear();
}

std::string transaction::describe_batch() const {
    const std::size_t n = commands_.size();
    return "nftables batch of " + std::to_string(n) + " command" + (n == 1 ? "" : "s") + " starting with `" +
           commands_.front().what + "`";
}

void transaction::commit() {
    if (commands_.empty()) return;
    scope_exit cleanup([this] { reset(); });

    nlmsghdr* end = nftnl_batch_end(reserve_tail(), sock_->next_seq());
    used_ += end->nlmsg_len;

    const std::string what = describe_batch();
    std::vector<netlink::ack> acks;
    try {
        acks = sock_->send_batch(std::as_bytes(std::span<const char>(buf_.data(), used_)), what);
    } catch (const netlink::error& e) {
        throw error(e.code_value(), e.operation(), e.extack());  // the batch as a whole was refused
    }
    // One ACK per command, in order: the commands are the batch's only messages with NLM_F_ACK.
    std::vector<failure> failures;
    for (std::size_t i = 0; i < acks.size() && i < commands_.size(); ++i) {
        if (acks[i].err != 0)
            failures.push_back({commands_[i].seq, acks[i].err, commands_[i].what, std::move(acks[i].extack)});
    }
    if (!failures.empty()) throw error(std::move(failures));
}

}  // namespace wharf::nft
