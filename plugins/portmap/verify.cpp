// verify: CHECK's comparison of an attachment's mappings with the port maps.
#include <algorithm>

#include "cni/error.hpp"
#include "layout.hpp"
#include "nft/list.hpp"
#include "nft/value.hpp"
#include "cni/owner_tag.hpp"
#include "ports.hpp"

namespace wharf::portmap {

namespace {

[[noreturn]] void fail(const std::string& msg, const std::string& details = {}) {
    throw cni::error(cni::code::internal, msg, details);
}

void verify_chains(netlink::socket& sock) {
    if (!nft::find_table(sock, nft::family::inet, layout::table_name))
        fail("nftables table inet " + std::string(layout::table_name) + " is missing");
    const auto chains = nft::list_chains(sock, nft::family::inet, layout::table_name);
    for (const char* name : {"prerouting", "output", "postrouting", "dnat4", "dnat6"}) {
        bool found = std::any_of(chains.begin(), chains.end(), [&](const auto& c) { return c.name == name; });
        if (!found) fail("nftables chain " + std::string(name) + " of table inet " + layout::table_name + " is missing");
    }
}

}  // namespace

void verify(netlink::socket& sock, const portmap_conf& conf, const std::string& tag) {
    verify_chains(sock);
    for (net::family f : {net::family::v4, net::family::v6}) {
        const auto& container = conf.container(f);
        if (!container) continue;
        bool any = false;
        for (const auto& m : conf.mappings) {
            if (!m.applies_to(f)) continue;
            any = true;
            const nft::bytes key = layout::ports_key(m.protocol, m.key_address(f), m.host_port);
            const nft::bytes data = layout::target(container->address(), m.container_port);
            const auto e = nft::find_element(sock, layout::ports_map(f), key);
            if (!e) fail("port mapping " + m.describe() + " is not published", "no element in " + layout::ports_map(f).name);
            if (e->comment == tag) {
                if (e->data != data)
                    fail("port mapping " + m.describe() + " forwards to " + layout::describe_target(e->data, f),
                         "expected " + layout::describe_target(data, f));
                continue;
            }
            if (!cni::same_container(e->comment, tag))
                fail("port mapping " + m.describe() + " is held by another owner", "owner \"" + e->comment + "\"");
            const auto mine = nft::find_element(sock, layout::standby_map(f), layout::standby_key(key, container->address()));
            if (!mine || mine->comment != tag || mine->data != data)
                fail("port mapping " + m.describe() + " is held by another attachment of this container, and this "
                     "attachment's standby claim is missing or wrong");
        }
        if (!any || !conf.snat) continue;
        const auto h = nft::find_element(sock, layout::hairpin_map(f), nft::addr(container->address()));
        if (!h || h->comment != tag)
            fail("the hairpin masquerade entry for " + container->address().to_string() + " is missing or not this attachment's");
    }
}

}  // namespace wharf::portmap
