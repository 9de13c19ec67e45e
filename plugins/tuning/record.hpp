#pragma once
// What ADD found before it changed anything, for DEL to put back: one file per attachment,
// <dataDir>/<containerID>_<ifname>.json, written durably (temp file, fsync, rename) before the
// first change. Its keys are the reference plugin's ("mac", "promisc", "mtu", "allmulti",
// "txQLen"), so either plugin's DEL restores what either's ADD saved; Wharf adds "sysctl" (original
// values by path under /proc/sys) and "network", "containerID", "ifname" (for GC), which the
// reference ignores.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "net/mac.hpp"

namespace wharf::tuning {

struct record {
    std::optional<net::mac> mac;
    std::optional<bool> promisc;
    std::optional<std::uint32_t> mtu;
    std::optional<bool> allmulti;
    std::optional<std::uint32_t> txqlen;
    std::vector<std::pair<std::string, std::string>> sysctls;  // path under /proc/sys, original value
    std::string network;       // empty in a record the reference wrote
    std::string container_id;
    std::string ifname;
    friend bool operator==(const record&, const record&) = default;
};

// "<containerID>_<ifname>.json"
std::string record_name(const std::string& container_id, const std::string& ifname);

// The file's text, and back. record_from_text throws cni::error code 6 naming `where` for a file
// that is not a record.
std::string record_to_text(const record& r);
record record_from_text(const std::string& text, const std::string& where);

// `older` where it has a value (it holds what was there before anything was changed), else `newer`.
record merge_records(const record& older, const record& newer);

// The records of one dataDir.
class record_store {
public:
    // Creates the directory (and its parents) when missing.
    static record_store open(const std::string& data_dir);
    // nullopt when the directory does not exist: there is nothing to restore.
    static std::optional<record_store> open_existing(const std::string& data_dir);

    std::optional<record> load(const std::string& name) const;
    void save(const std::string& name, const record& r) const;
    // false when it was not there.
    bool remove(const std::string& name) const;
    // The names of every record (*.json), temp files excluded.
    std::vector<std::string> names() const;
    const std::string& dir() const noexcept { return dir_; }

private:
    record_store(unique_fd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}
    unique_fd fd_;
    std::string dir_;
};

}  // namespace wharf::tuning
