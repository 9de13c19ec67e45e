// withdraw: DEL's and GC's removal of the elements of stale owners, with standby promotion.
#include <netinet/in.h>

#include <cerrno>
#include <set>

#include "layout.hpp"
#include "nft/error.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "ports.hpp"
#include "retry.hpp"

namespace wharf::portmap {

namespace {

std::vector<nft::element> elements_of(netlink::socket& sock, const nft::set_ref& s) {
    try {
        return nft::list_elements(sock, s);
    } catch (const nft::error& e) {
        if (e.code_value() == ENOENT) return {};
        throw;
    }
}

std::vector<nft::element> keys_only(const std::vector<nft::element>& elements) {
    std::vector<nft::element> out;
    for (const auto& e : elements) out.push_back(nft::element{.key = e.key});
    return out;
}

touched_ports withdraw_once(netlink::socket& sock, const std::function<bool(const std::string&)>& stale) {
    touched_ports out;
    if (!nft::find_table(sock, nft::family::inet, layout::table_name)) return out;
    nft::transaction tx{sock};
    std::set<std::string> jumped_to;  // hairpin chains the remaining elements still use
    for (net::family f : {net::family::v4, net::family::v6}) {
        const auto ports = elements_of(sock, layout::ports_map(f));
        const auto standby = elements_of(sock, layout::standby_map(f));
        const auto hairpin = elements_of(sock, layout::hairpin_map(f));

        std::vector<nft::element> gone_ports, gone_standby, gone_hairpin, promoted;
        std::vector<bool> standby_used(standby.size(), false);
        for (std::size_t i = 0; i < standby.size(); ++i) {
            if (stale(standby[i].comment)) {
                gone_standby.push_back(standby[i]);
                standby_used[i] = true;
            }
        }
        for (const auto& e : hairpin) {
            if (stale(e.comment)) gone_hairpin.push_back(e);
            else if (e.verdict) jumped_to.insert(e.verdict->chain);
        }
        for (const auto& p : ports) {
            if (!stale(p.comment)) continue;
            gone_ports.push_back(p);
            const auto key = layout::decode_ports_key(p.key, f);
            if (key.protocol == IPPROTO_UDP) out.udp(f).insert(key.port);
            // Another attachment of the same container claimed this port too: it takes over.
            for (std::size_t i = 0; i < standby.size(); ++i) {
                if (standby_used[i] || layout::ports_key_of_standby(standby[i].key, f) != p.key) continue;
                standby_used[i] = true;
                gone_standby.push_back(standby[i]);
                promoted.push_back(nft::element{.key = p.key, .data = standby[i].data, .comment = standby[i].comment});
                break;
            }
        }
        if (!gone_ports.empty()) tx.remove_elements(layout::ports_map(f), keys_only(gone_ports));
        if (!gone_standby.empty()) tx.remove_elements(layout::standby_map(f), keys_only(gone_standby));
        if (!gone_hairpin.empty()) tx.remove_elements(layout::hairpin_map(f), keys_only(gone_hairpin));
        if (!promoted.empty()) tx.create_elements(layout::ports_map(f), promoted);
    }
    // A subnet's hairpin chain goes with the last element that jumps to it. Should a concurrent ADD
    // jump to it before this batch lands, the kernel refuses to delete it (EBUSY) and we read again.
    for (const auto& c : nft::list_chains(sock, nft::family::inet, layout::table_name)) {
        if (!c.name.starts_with(layout::hairpin_chain_prefix) || jumped_to.contains(c.name)) continue;
        const nft::chain chain{.fam = nft::family::inet, .table = layout::table_name, .name = c.name};
        tx.flush(chain);
        tx.remove(chain);
    }
    tx.commit();
    return out;
}

}  // namespace

touched_ports withdraw(netlink::socket& sock, const std::function<bool(const std::string&)>& stale) {
    return with_retries("withdraw port mappings", [&] { return withdraw_once(sock, stale); });
}

}  // namespace wharf::portmap
