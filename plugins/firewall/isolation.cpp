#include "isolation.hpp"

#include "layout.hpp"
#include "nft/isolation.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"

namespace wharf::firewall {

namespace {

constexpr const char* piece_prefix = "iso-";

std::string bridge_of(const std::string& piece) { return piece.substr(std::string_view(piece_prefix).size()); }
bool is_piece(const std::string& name) {
    return name.starts_with(piece_prefix) && name.size() > std::string_view(piece_prefix).size();
}

nft::isolation::layout where() { return {.fam = nft::family::inet, .table = layout::table_name, .chain = layout::forward}; }

bool has_entries(netlink::socket& sock, const std::string& piece) {
    const std::string br = bridge_of(piece);
    return nft::find_element(sock, nft::isolation::members(where()), nft::isolation::member(br, piece).key) &&
           nft::find_element(sock, nft::isolation::pairs(where()), nft::isolation::pair(br, piece).key);
}

class pieces final : public nft::piece_store {
public:
    std::vector<std::string> missing(netlink::socket& sock, const std::vector<std::string>& names) const override {
        std::vector<std::string> out;
        const bool base = layout::base_present(sock);
        for (const auto& n : names)
            if (is_piece(n) && (!base || !has_entries(sock, n))) out.push_back(n);
        return out;
    }

    void make(netlink::socket& sock, const std::vector<std::string>& names) const override {
        nft::transaction tx{sock};
        if (!layout::base_present(sock)) layout::add_base(tx);
        for (const auto& n : names) {
            if (!is_piece(n)) continue;
            const std::string br = bridge_of(n);
            tx.add_elements(nft::isolation::members(where()), std::vector{nft::isolation::member(br, n)});
            tx.add_elements(nft::isolation::pairs(where()), std::vector{nft::isolation::pair(br, n)});
        }
        tx.commit();
    }

    void remove(netlink::socket& sock, const std::vector<std::string>& names) const override {
        if (!layout::base_present(sock)) return;
        nft::transaction tx{sock};
        for (const auto& n : names) {
            if (!is_piece(n)) continue;
            const std::string br = bridge_of(n);
            const auto one = nft::isolation::member(br, n), two = nft::isolation::pair(br, n);
            if (nft::find_element(sock, nft::isolation::members(where()), one.key))
                tx.remove_elements(nft::isolation::members(where()), std::vector{nft::element{.key = one.key}});
            if (nft::find_element(sock, nft::isolation::pairs(where()), two.key))
                tx.remove_elements(nft::isolation::pairs(where()), std::vector{nft::element{.key = two.key}});
        }
        tx.commit();
    }
};

const pieces store;

}  // namespace

std::vector<std::string> pieces_of(const firewall_conf& conf) {
    if (!conf.isolates() || conf.bridge.empty()) return {};
    return {piece_prefix + conf.bridge};
}

const nft::piece_store& isolation_pieces() { return store; }

}  // namespace wharf::firewall
