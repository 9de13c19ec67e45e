#pragma once
// wanted_sysctls: the kernel parameters attachments rely on, recorded per attachment so that they can
// be set again when someone changes them: wharfd does it within half a second, GC and `wharf
// reconcile` once. The bridge plugin records ip_forward (and IPv6 forwarding) for a gateway network,
// portmap route_localnet on the interface toward a container publishing to 127.0.0.1.
//
// One file per attachment and owner, <run dir>/sysctls/<host netns inode>/<owner>:<owner tag>, one
// "key=value" line per parameter (keys as sys::sysctl names them: "net/ipv4/ip_forward"). Written
// whole (record_dir), dropped by the owner's DEL and by its GC for stale attachments. A parameter
// stays wanted while any record names it.
#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/record_dir.hpp"

namespace wharf::sys {

struct sysctl_setting {
    std::string key;
    std::string value;
    auto operator<=>(const sysctl_setting&) const = default;
};

class wanted_sysctls {
public:
    // The records of the calling thread's network namespace (the host's).
    static wanted_sysctls here();

    void want(std::string_view owner, const std::string& tag, const std::vector<sysctl_setting>& settings) const;
    void drop(std::string_view owner, const std::string& tag) const;
    // Drops `owner`'s records whose tag `stale` says; returns how many.
    std::size_t drop_stale(std::string_view owner, const std::function<bool(const std::string& tag)>& stale) const;
    // What `owner` recorded for `tag` (empty when nothing).
    std::vector<sysctl_setting> of(std::string_view owner, const std::string& tag) const;
    // Every setting some record wants, sorted, each once; with `owner`, only that owner's records, and
    // with `kept` too, only those of the tags it keeps. Unreadable lines are skipped.
    std::vector<sysctl_setting> all(std::string_view owner = {},
                                    const std::function<bool(const std::string& tag)>& kept = {}) const;

    const std::string& path() const noexcept { return dir_.path(); }

private:
    explicit wanted_sysctls(std::string path) : dir_(std::move(path)) {}
    record_dir dir_;
};

// Sets each of `settings` whose value differs now; returns "key: old -> new" for each one changed.
// A parameter that cannot be read or written is logged and skipped (never throws).
std::vector<std::string> restore_sysctls(const std::vector<sysctl_setting>& settings) noexcept;

}  // namespace wharf::sys
