#pragma once
// disk_store: host-local's reservations on disk, in the reference plugin's layout so that a node can
// switch between the two in place:
//   <dataDir>/<network>/<ip>                   "<containerID>\r\n<ifname>" (old versions: "<containerID>")
//   <dataDir>/<network>/last_reserved_ip.<i>   the address last handed out from range set i
//   <dataDir>/<network>/lock                   flock(LOCK_EX) serialises every writer, ours and theirs
// plus, beside it, files the reference ignores (their names do not parse as addresses, their contents
// never equal "<id>\r\n<ifname>" or "<id>"):
//   <dataDir>/<network>/.wharf-att.<id>@<ifname>   the index: "<id>\r\n<ifname>\r\n<ip>[\r\n<ip>...]"
//   <dataDir>/<network>/.wharf-tmp.*               a temp file of an interrupted atomic write
//   <dataDir>/<network>/.wharf-boot                the boot ID under which the index was last rebuilt
//   <dataDir>/<network>/.wharf-own.<id>@<ifname>   the owner record (owner_record.hpp): where the
//                                                  attachment lived, for wharfd's reclaim
// The index makes ADD and DEL cost independent of the number of reservations; see disk_store.cpp for
// how it stays consistent across crashes and across writers that do not keep it.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.hpp"
#include "cni/config.hpp"
#include "net/ip_address.hpp"
#include "sys/file_lock.hpp"

namespace wharf::ipam {

// Called at named points of a multi-step change (tests use it to kill the process there).
using step_hook = std::function<void(std::string_view step)>;

// What a reservation file says. An empty container_id marks a torn file (created, never written).
struct owner {
    std::string container_id;
    std::string ifname;  // empty for files written by old versions, which recorded only the container ID
    bool torn() const noexcept { return container_id.empty(); }
    bool legacy() const noexcept { return !torn() && ifname.empty(); }
};
owner parse_owner(std::string_view content);
// True when `o` records attachment `a`: exactly, or (an old ID-only file) by container ID.
bool owned_by(const owner& o, const cni::attachment& a);
// The index file name for an attachment; a legacy (ID-only) owner has ifname "".
std::string index_file_name(const cni::attachment& a);
// The owner record's file name for an attachment: owner_record_prefix and the attachment.
inline constexpr std::string_view owner_record_prefix = ".wharf-own.";
std::string owner_record_file_name(const cni::attachment& a);

struct new_reservation {
    net::ip_address ip;
    std::size_t set_index;
};

struct gc_outcome {
    std::vector<net::ip_address> released;
    std::vector<std::string> errors;
};

class disk_store {
public:
    // Creates <data_dir>/<network> if needed and blocks until the store's lock is held; every other
    // member runs under that lock, which is released when the object dies.
    static disk_store open(const std::string& data_dir, const std::string& network, step_hook hook = {});

    const std::string& dir() const noexcept { return dir_; }

    // Makes sure every reservation is indexed. Another writer that keeps no index (the reference plugin)
    // rewrites last_reserved_ip.<i> in place, which drops our stamp from the file; and the index is a
    // cache valid for one boot (.wharf-boot). When any of the first `range_set_count` pointers lacks the
    // stamp, or the store was not indexed during this boot, this scans the store once and indexes what
    // it finds. Returns true when it scanned.
    bool ensure_indexed(std::size_t range_set_count);

    // The addresses reserved for `a`, in index order. Removes torn files the index lists (an ADD that
    // was killed between creating and writing one).
    std::vector<net::ip_address> held_by(const cni::attachment& a);
    // Who holds `ip`, or nullopt when it is free.
    std::optional<owner> owner_of(const net::ip_address& ip);
    // Whether a file exists for `ip` (a stat, no read).
    bool is_taken(const net::ip_address& ip);
    std::optional<net::ip_address> last_reserved(std::size_t set_index);

    // Records held + added in a's index (durably, first) and `owner_record` (when not empty) as a's
    // owner record, then claims every added address with an exclusive create and advances
    // last_reserved_ip. All or nothing: when it throws, none of `added` stays reserved.
    void reserve(const cni::attachment& a, const std::vector<net::ip_address>& held,
                 const std::vector<new_reservation>& added, std::string_view owner_record = {});

    // a's owner record as written, or nullopt when it has none.
    std::optional<std::string> owner_record_text(const cni::attachment& a);
    // How many last_reserved_ip.<i> pointers there are, from 0 on: the range sets a store has served.
    std::size_t pointer_count();

    // Releases what `a` holds (falling back, like the reference, to files that record only its container
    // ID when none records the interface), then its owner record, and returns the released addresses.
    // Nothing held is not an error.
    std::vector<net::ip_address> release(const cni::attachment& a);

    // Releases every reservation whose attachment is not in `valid` (an ID-only file is valid when any
    // valid attachment has its container ID), sweeps torn and temp files and the owner records of
    // attachments that hold nothing, and rebuilds the index.
    // Keeps going past errors and reports all of them.
    gc_outcome gc(const std::vector<cni::attachment>& valid, std::size_t range_set_count);

private:
    disk_store(unique_fd dir_fd, std::string dir, sys::file_lock lock, step_hook hook);
    struct scan_result;
    scan_result scan(std::vector<std::string>& errors);
    void rebuild_index(scan_result& s, std::size_t range_set_count, std::vector<std::string>& errors);
    std::optional<std::vector<net::ip_address>> read_index(const cni::attachment& a, bool& corrupt);
    // read_index; a corrupt index (only an interrupted rebuild leaves one) is rebuilt and read again.
    std::optional<std::vector<net::ip_address>> read_index_repairing(const cni::attachment& a);
    void write_index(const cni::attachment& a, const std::vector<net::ip_address>& ips);
    bool indexed_this_boot();
    void step(std::string_view name) const {
        if (hook_) hook_(name);
    }

    unique_fd dir_fd_;
    std::string dir_;
    sys::file_lock lock_;
    step_hook hook_;
    std::string boot_id_;  // "" when the kernel gives none
};

}  // namespace wharf::ipam
