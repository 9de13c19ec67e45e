#pragma once
// An attachment let through by firewalld: its addresses as sources of the configured zone, with a
// record of them (firewalld_record.hpp) so that DEL, GC and CHECK need neither prevResult nor the
// backend detection of the ADD's time.
#include <optional>
#include <string>
#include <vector>

#include "firewall_conf.hpp"
#include "firewalld.hpp"
#include "firewalld_record.hpp"

namespace wharf::firewall {

// The backend of an ADD, as the reference picks it: firewalld when asked for, or when the backend is
// empty or unknown and firewalld runs on the system bus; nullopt: the host's forwarding filter
// (nftables, iptables-nft or iptables-legacy).
std::optional<firewalld::client> firewalld_backend(const firewall_conf& conf);

// Records the sources, then adds them to the zone.
void allow_in_firewalld(firewalld::client& fw, const firewall_conf& conf, const std::string& tag);
// Takes back the sources `tag`'s record names, then drops the record: how many firewalld had, or
// nullopt when `tag` has no record.
std::optional<std::size_t> withdraw_from_firewalld(const sys::shared_state& state, const std::string& tag);
// DEL's step: the recorded sources; without a record but with backend "firewalld", prevResult's.
void del_from_firewalld(const firewall_conf& conf, const std::string& tag);
// CHECK: every address of the attachment is recorded and firewalld has it in the recorded zone.
void check_firewalld(const firewall_conf& conf, const firewalld_record& record, const std::string& tag);

}  // namespace wharf::firewall
