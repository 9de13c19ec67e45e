#pragma once
// Where and when an attachment was made, as its ADD records it, so that an agent can tell later
// whether the container is provably gone: the network namespace (its path and identity), the boot
// and the time. The plugins write it into their records (host-local's owner records, portmap's
// records); wharfd reads it to reclaim what dead containers leave (docs/wharfd.md).
//
// A namespace's device and inode name it only while it lives: the kernel gives a freed namespace's
// inode number to the next namespace made (delete /run/netns/x, make it again, and stat shows the
// same pair). So the identity also holds the namespace's cookie (SO_NETNS_COOKIE, Linux 5.14), a
// 64-bit number the kernel never gives twice in one boot.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace wharf::netns {

struct identity {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    std::uint64_t cookie = 0;  // 0 when the kernel has no SO_NETNS_COOKIE
    bool known() const noexcept { return dev != 0 || ino != 0; }
    friend bool operator==(const identity&, const identity&) = default;
};

struct origin {
    std::string netns;          // CNI_NETNS at ADD
    identity id;                // unknown when ADD could not take it
    std::string boot_id;        // sys::boot_id() at ADD
    std::int64_t added_at = 0;  // ADD's time, seconds since the epoch
};

// The identity of the namespace at `path` now; nullopt when the path does not exist. Throws
// not_a_namespace when it is not a namespace, os_error when it cannot be read or entered.
std::optional<identity> identify(const std::string& path);

// The origin of an ADD made now for `netns_path`. Never throws: what it cannot learn stays unknown,
// and a record with an unknown identity is never reclaimed.
origin capture(const std::string& netns_path) noexcept;

// What a recorded namespace's path holds now.
enum class presence {
    same,      // the recorded namespace (device, inode and cookie all equal)
    gone,      // nothing: the path no longer exists
    replaced,  // another namespace, or something that is no namespace
    unknown,   // cannot tell: no identity was recorded, or the path cannot be read
};
presence observe(const origin& o) noexcept;
const char* to_string(presence p) noexcept;

// The record's fields "netns", "netnsDev", "netnsIno", "netnsCookie", "bootId", "addedAt".
void put_fields(nlohmann::json& doc, const origin& o);
// Reads them back; a field that is missing or of the wrong type stays empty (zero), which leaves the
// identity unknown when it is one of the first two.
origin get_fields(const nlohmann::json& doc);

}  // namespace wharf::netns
