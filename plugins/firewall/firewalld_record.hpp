#pragma once
// What an attachment put into firewalld: its zone and sources, recorded before they are added, so
// DEL and GC take back exactly those without prevResult, even after firewalld was the backend
// detected at ADD time and is not any more. One file per attachment, named by its owner tag, under
// the firewall plugin's shared state: <run dir>/firewall/<host netns inode>/firewalld/<tag>, holding
// the zone on the first line and one source per line after it.
#include <optional>
#include <string>
#include <vector>

#include "sys/shared_state.hpp"

namespace wharf::firewall {

struct firewalld_record {
    std::string zone;
    std::vector<std::string> sources;
};

void save_firewalld_record(const sys::shared_state& state, const std::string& tag, const firewalld_record& record);
std::optional<firewalld_record> load_firewalld_record(const sys::shared_state& state, const std::string& tag);
void drop_firewalld_record(const sys::shared_state& state, const std::string& tag);
// The tags that have a record.
std::vector<std::string> firewalld_record_tags(const sys::shared_state& state);

}  // namespace wharf::firewall
