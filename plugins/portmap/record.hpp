#pragma once
// What an attachment published, recorded when its ADD has committed and dropped by its DEL: the
// config ADD was given, exactly, and the attachment's identity. GC reads it to publish the valid
// attachments' ports again when nftables lost them (a flushed ruleset, a map element deleted by
// hand); `wharf inspect` shows it. One JSON file per attachment, named by its owner tag, under
// portmap's shared state: <run dir>/portmap/<host netns inode>/published/<tag>:
//   {"version": 1, "containerId": "...", "ifname": "eth0", "netns": "/proc/...", "config": {...},
//    "netnsDev": 4, "netnsIno": 4026532178, "netnsCookie": 12, "bootId": "...", "addedAt": 1796000000}
// The last five (netns/origin.hpp: which namespace, which boot, when) are optional, so version 1
// stays readable both ways: a record without them has an unknown identity and is never reclaimed.
// A record of another version is not read (a newer plugin's): GC leaves it alone.
#include <optional>
#include <string>
#include <vector>

#include "netns/origin.hpp"
#include "portmap_conf.hpp"
#include "sys/shared_state.hpp"

namespace wharf::portmap {

inline constexpr const char* state_owner = "portmap";
inline constexpr int record_version = 1;

struct attachment_record {
    std::string container_id;
    std::string ifname;
    std::string netns;   // CNI_NETNS at ADD, for people reading it
    std::string config;  // ADD's stdin
    netns::origin origin;  // its netns is `netns`; unknown identity in records written before it
};

void save_record(const sys::shared_state& state, const std::string& tag, const attachment_record& record);
// nullopt when `tag` has no record, or one this version cannot read.
std::optional<attachment_record> load_record(const sys::shared_state& state, const std::string& tag);
void drop_record(const sys::shared_state& state, const std::string& tag);
std::vector<std::string> record_tags(const sys::shared_state& state);
// The attachment's config as its ADD parsed it. Throws cni::error when the record's config is not
// one (a record written by hand, or by a plugin that read configs differently).
portmap_conf recorded_conf(const attachment_record& record);

}  // namespace wharf::portmap
