// Crash safety. Every change happens under the store's flock, so a process sees no other writer's
// half-done work except one left by a writer that died. The rules that make such leftovers harmless:
//
//  I1  A reservation file names its owner; an address is released only when its file names the releasing
//      attachment (or is torn and listed in that attachment's index). A stale index entry therefore can
//      never release an address that has since gone to someone else.
//  I2  The index is written before the reservation files it lists (intent first), and removed only after
//      the files it lists are gone. So every reservation file we create is listed in its owner's index at
//      every instant that a running system can observe.
//  I3  Writes of the index and of last_reserved_ip are atomic (temp file, rename); a reservation is an
//      O_CREAT|O_EXCL create. Reservations and last_reserved_ip are fsynced, file and directory, before ADD
//      returns; DEL fsyncs the directory after removing reservation files. ADD writes everything first and
//      fsyncs after, so that on ext4 one journal commit covers it all; each later fsync then only costs
//      the device cache flush that ext4 issues for every fsync. The pointer's data is pushed to disk
//      before its rename is (sync_file_range), which keeps the
//      rename atomic across a power cut wherever data is ordered before metadata (ext4's default);
//      elsewhere a power cut may leave the pointer empty, which only restarts round robin at the range's
//      start: it is never read as a reservation.
//  I4  The index is a cache of what the reservation files say (each names its owner), valid for one boot:
//      .wharf-boot holds the boot ID (/proc/sys/kernel/random/boot_id) under which the store was last
//      fully indexed, and the first operation of every other boot scans the store and rebuilds the index
//      (ensure_indexed). A power cut always starts a new boot, so an index write it lost can never be
//      trusted afterwards: the index needs no fsync, and I2 needs no ordering on disk, only in the page
//      cache, which every process sees in the order it was written. A kernel that gives no boot ID gets
//      the durable index instead (file and directory fsynced before the reservations are created).
//  Cost: ADD makes 3 fsyncs (reservation file, pointer file, directory), one journal commit on ext4; it
//  made 5 fsyncs, each with its own commit, while the index was durable (figures: docs/costs.md). DEL
//  makes 1. Neither depends on the store's size.
//
// ADD, killed at each point:
//   before the index write      nothing changed.
//   after the index write       the index lists addresses with no file (or the file of another owner);
//                               DEL skips them (I1) and removes the index; a retried ADD finds nothing held
//                               and allocates again; GC drops the entry.
//   after some claims           those files are listed (I2): DEL releases them; a retried ADD returns or
//                               completes them; GC releases them unless the attachment is valid.
//   inside a claim (torn file)  an empty file listed in the index: DEL, ADD and GC remove it.
//   before last_reserved_ip     only round robin is affected: the next ADD starts from the old pointer.
// DEL, killed after removing the files: the index lists addresses with no file; the next DEL removes it,
//   an ADD ignores the entries (I1), GC drops them.
// GC, killed midway: whatever it released is released; indexes it did not rewrite hold stale entries,
//   harmless by I1; it runs again in full next time.
// Index rebuild (after another writer, or the first operation of a boot), killed midway: the stamp on
//   last_reserved_ip and the boot marker are written only after every index file, so the next operation
//   sees the store as not yet indexed and scans again.
//
// Other writers: the reference plugin takes the same lock but keeps no index. It rewrites
// last_reserved_ip.<i> in place on every reservation, which replaces the file's mtime; ours are renamed
// into place with a fixed mtime (the stamp). A pointer without the stamp means reservations may exist that
// no index lists, and ensure_indexed() rebuilds the index from a full scan before anything else runs.
#include "disk_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "base/os_error.hpp"
#include "base/stable_hash.hpp"
#include "base/trim.hpp"
#include "cni/error.hpp"
#include "log/logging.hpp"
#include "sys/atomic_file.hpp"
#include "sys/boot_id.hpp"

namespace wharf::ipam {

using net::ip_address;

namespace {

constexpr std::string_view line_break = "\r\n";
constexpr std::string_view index_prefix = ".wharf-att.";
constexpr std::string_view last_ip_prefix = "last_reserved_ip.";
constexpr const char* boot_marker = ".wharf-boot";
// 2000-01-01T00:00:00Z: no in-place write can produce it, since writing sets the mtime to now.
constexpr timespec stamp = {946684800, 0};

std::vector<std::string> split_lines(std::string_view s) {
    std::vector<std::string> out;
    for (;;) {
        auto pos = s.find(line_break);
        out.emplace_back(s.substr(0, pos));
        if (pos == std::string_view::npos) break;
        s.remove_prefix(pos + line_break.size());
    }
    return out;
}

std::string owner_content(const cni::attachment& a) {
    return trim(a.container_id) + std::string(line_break) + a.ifname;
}

bool names(const owner& o, const cni::attachment& a) {
    return !o.torn() && o.container_id == trim(a.container_id) && o.ifname == a.ifname;
}

std::string escape(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

bool is_stamped(const struct stat& st) {
    return st.st_mtim.tv_sec == stamp.tv_sec && st.st_mtim.tv_nsec == stamp.tv_nsec;
}

std::string last_ip_name(std::size_t set_index) { return std::string(last_ip_prefix) + std::to_string(set_index); }

struct index_record {
    cni::attachment key;
    std::vector<ip_address> ips;
};

// Index content: "<id>\r\n<ifname>\r\n<ip>...". nullopt for anything else.
std::optional<index_record> parse_index(std::string_view content) {
    auto lines = split_lines(content);
    if (lines.size() < 3 || lines[0].empty()) return std::nullopt;
    index_record r{{lines[0], lines[1]}, {}};
    for (std::size_t i = 2; i < lines.size(); ++i) {
        auto a = ip_address::parse(lines[i]);
        if (!a) return std::nullopt;
        r.ips.push_back(*a);
    }
    return r;
}

std::string format_index(const cni::attachment& a, const std::vector<ip_address>& ips) {
    std::string out = owner_content(a);
    for (const auto& ip : ips) out += std::string(line_break) + ip.to_string();
    return out;
}

void make_dir(const std::string& path, bool& created) {
    if (::mkdir(path.c_str(), 0755) == 0) {
        created = true;
        return;
    }
    if (errno == EEXIST) return;
    if (errno == ENOENT) {
        auto slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0) {
            make_dir(path.substr(0, slash), created);
            if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) {
                created = true;
                return;
            }
        }
    }
    throw_errno("create directory " + path);
}

}  // namespace

owner parse_owner(std::string_view content) {
    std::string t = trim(content);
    auto pos = t.find(line_break);
    if (pos == std::string::npos) return owner{t, {}};
    return owner{t.substr(0, pos), t.substr(pos + line_break.size())};
}

bool owned_by(const owner& o, const cni::attachment& a) {
    if (o.torn() || o.container_id != trim(a.container_id)) return false;
    return o.legacy() || o.ifname == a.ifname;
}

namespace {

std::string attachment_file_name(std::string_view prefix, const cni::attachment& a) {
    // '@' never survives escape(), so the separator keeps the mapping one-to-one.
    std::string name = std::string(prefix) + escape(trim(a.container_id)) + "@" + escape(a.ifname);
    if (name.size() <= 250) return name;
    return fmt::format("{}h.{:016x}", prefix, stable_hash(trim(a.container_id) + '\0' + a.ifname));
}

}  // namespace

std::string index_file_name(const cni::attachment& a) { return attachment_file_name(index_prefix, a); }

std::string owner_record_file_name(const cni::attachment& a) { return attachment_file_name(owner_record_prefix, a); }

struct disk_store::scan_result {
    std::map<ip_address, owner> reservations;        // every file whose name is an address
    std::map<std::string, std::string> index_files;  // name -> content
    std::vector<std::string> owner_records;          // names
    std::vector<std::string> temps;
};

disk_store::disk_store(unique_fd dir_fd, std::string dir, sys::file_lock lock, step_hook hook)
    : dir_fd_(std::move(dir_fd)), dir_(std::move(dir)), lock_(std::move(lock)), hook_(std::move(hook)),
      boot_id_(sys::boot_id()) {}

disk_store disk_store::open(const std::string& data_dir, const std::string& network, step_hook hook) {
    std::string dir = data_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    dir += "/" + network;
    bool created = false;
    make_dir(dir, created);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open directory " + dir);
    unique_fd dir_fd(fd);
    if (created) {
        // Make the new directory's entry durable before anything inside it counts.
        int parent = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent >= 0) {
            unique_fd p(parent);
            sys::fsync_dir(p.get(), data_dir);
        }
    }
    auto lock = sys::file_lock::acquire_at(dir_fd.get(), "lock", dir + "/lock");
    return disk_store(std::move(dir_fd), std::move(dir), std::move(lock), std::move(hook));
}

std::optional<owner> disk_store::owner_of(const ip_address& ip) {
    auto content = sys::read_small_file(dir_fd_.get(), dir_, ip.to_string());
    if (!content) return std::nullopt;
    return parse_owner(*content);
}

bool disk_store::is_taken(const ip_address& ip) {
    return sys::stat_at(dir_fd_.get(), dir_, ip.to_string()).has_value();
}

std::optional<ip_address> disk_store::last_reserved(std::size_t set_index) {
    auto content = sys::read_small_file(dir_fd_.get(), dir_, last_ip_name(set_index));
    if (!content) return std::nullopt;
    return ip_address::parse(trim(*content));
}

std::optional<std::vector<ip_address>> disk_store::read_index(const cni::attachment& a, bool& corrupt) {
    corrupt = false;
    auto content = sys::read_small_file(dir_fd_.get(), dir_, index_file_name(a));
    if (!content) return std::nullopt;
    auto rec = parse_index(*content);
    if (!rec || rec->key.container_id != trim(a.container_id) || rec->key.ifname != a.ifname) {
        corrupt = true;
        return std::nullopt;
    }
    return rec->ips;
}

void disk_store::write_index(const cni::attachment& a, const std::vector<ip_address>& ips) {
    const bool durable = boot_id_.empty();  // I4
    sys::write_file_atomic(dir_fd_.get(), dir_, index_file_name(a), format_index(a, ips),
                           {.mode = 0600, .mtime = std::nullopt, .sync_dir = durable, .sync_file = durable});
}

bool disk_store::indexed_this_boot() {
    if (boot_id_.empty()) return true;  // no boot ID: the index is durable instead
    auto marker = sys::read_small_file(dir_fd_.get(), dir_, boot_marker);
    return marker && trim(*marker) == boot_id_;
}

bool disk_store::ensure_indexed(std::size_t range_set_count) {
    bool foreign = false;
    for (std::size_t i = 0; i < range_set_count && !foreign; ++i) {
        auto st = sys::stat_at(dir_fd_.get(), dir_, last_ip_name(i));
        if (st && !is_stamped(*st)) foreign = true;
    }
    const bool new_boot = !indexed_this_boot();
    if (!foreign && !new_boot) return false;
    if (foreign) log::info("{}: reservations written by another plugin found; indexing the store", dir_);
    else log::debug("{}: first use since boot {}; indexing the store", dir_, boot_id_);
    std::vector<std::string> errors;
    auto s = scan(errors);
    rebuild_index(s, range_set_count, errors);
    if (errors.empty() && new_boot) {
        try {
            sys::write_file_atomic(dir_fd_.get(), dir_, boot_marker, boot_id_,
                                   {.mode = 0600, .mtime = std::nullopt, .sync_dir = false, .sync_file = false});
        } catch (const std::exception& ex) {
            errors.push_back(ex.what());
        }
    }
    if (!errors.empty())
        throw cni::error(cni::code::io_failure, fmt::format("index store {}: {}", dir_, errors.front()),
                         fmt::format("{} errors", errors.size()));
    return true;
}

disk_store::scan_result disk_store::scan(std::vector<std::string>& errors) {
    scan_result s;
    int fd = ::openat(dir_fd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open directory " + dir_);
    std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(fd), ::closedir);
    if (!d) {
        ::close(fd);
        throw_errno("read directory " + dir_);
    }
    errno = 0;
    while (dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || name == "lock" || name.starts_with(last_ip_prefix)) continue;
        try {
            if (name.starts_with(sys::temp_prefix)) {
                s.temps.push_back(name);
            } else if (name.starts_with(owner_record_prefix)) {
                s.owner_records.push_back(name);
            } else if (name.starts_with(index_prefix)) {
                if (auto c = sys::read_small_file(dir_fd_.get(), dir_, name)) s.index_files[name] = *c;
            } else if (auto ip = ip_address::parse(name); ip && ip->to_string() == name) {
                if (auto c = sys::read_small_file(dir_fd_.get(), dir_, name)) s.reservations[*ip] = parse_owner(*c);
            }
        } catch (const std::exception& ex) {
            errors.push_back(ex.what());
        }
        errno = 0;
    }
    if (errno != 0) errors.push_back(fmt::format("read directory {}: {}", dir_, std::strerror(errno)));
    return s;
}

void disk_store::rebuild_index(scan_result& s, std::size_t range_set_count, std::vector<std::string>& errors) {
    auto attempt = [&](auto&& fn) {
        try {
            fn();
        } catch (const std::exception& ex) {
            errors.push_back(ex.what());
        }
    };
    // After a failed read the scan may have missed a reservation: then indexes only grow, so that no
    // entry of a file we could not read is dropped.
    const bool complete = errors.empty();
    bool removed = false;
    for (const auto& t : s.temps) attempt([&] { removed |= sys::remove_file(dir_fd_.get(), dir_, t); });
    // Torn files: created but never written, by a writer that died (we hold the lock, so none is alive).
    for (auto it = s.reservations.begin(); it != s.reservations.end();) {
        if (it->second.torn()) {
            attempt([&] { removed |= sys::remove_file(dir_fd_.get(), dir_, it->first.to_string()); });
            it = s.reservations.erase(it);
        } else {
            ++it;
        }
    }
    // What the index must say: each owner's addresses, in address order.
    std::map<std::string, index_record> wanted;
    for (const auto& [ip, o] : s.reservations) {
        cni::attachment key{o.container_id, o.ifname};
        auto& rec = wanted[index_file_name(key)];
        rec.key = key;
        rec.ips.push_back(ip);
    }
    // Owner records of attachments that hold nothing (a DEL or an ADD killed half-way).
    if (complete) {
        std::set<std::string> owners;
        for (const auto& entry : wanted) owners.insert(owner_record_file_name(entry.second.key));
        for (const auto& name : s.owner_records)
            if (!owners.contains(name)) attempt([&] { removed |= sys::remove_file(dir_fd_.get(), dir_, name); });
    }
    bool wrote = false;
    // Named variables, not structured bindings: the lambdas below capture them, which Clang 14 refuses.
    for (const auto& file : s.index_files) {
        const std::string& name = file.first;
        const std::string& content = file.second;
        if (complete) {
            if (!wanted.contains(name)) attempt([&] { removed |= sys::remove_file(dir_fd_.get(), dir_, name); });
        } else if (auto old = parse_index(content); old && index_file_name(old->key) == name) {
            auto& rec = wanted[name];
            rec.key = old->key;
            for (const auto& ip : old->ips)
                if (std::find(rec.ips.begin(), rec.ips.end(), ip) == rec.ips.end()) rec.ips.push_back(ip);
        }
    }
    for (const auto& entry : wanted) {
        const std::string& name = entry.first;
        const index_record& rec = entry.second;
        std::string content = format_index(rec.key, rec.ips);
        auto it = s.index_files.find(name);
        if (it != s.index_files.end() && it->second == content) continue;
        // No fsync per file: the index is a per-boot cache (I4); without a boot ID, one syncfs below
        // covers them all before the stamp is restored.
        attempt([&] {
            sys::write_file_atomic(dir_fd_.get(), dir_, name, content,
                                   {.mode = 0600, .mtime = std::nullopt, .sync_dir = false, .sync_file = false});
        });
        wrote = true;
    }
    if (wrote && boot_id_.empty()) {
        if (::syncfs(dir_fd_.get()) != 0) errors.push_back(fmt::format("syncfs {}: {}", dir_, std::strerror(errno)));
    } else if (removed) {
        attempt([&] { sys::fsync_dir(dir_fd_.get(), dir_); });
    }
    if (!errors.empty()) return;  // leave the pointers unstamped: the next operation scans again
    bool restamped = false;
    for (std::size_t i = 0; i < range_set_count; ++i) {
        const std::string name = last_ip_name(i);
        attempt([&] {
            auto st = sys::stat_at(dir_fd_.get(), dir_, name);
            if (!st || is_stamped(*st)) return;
            auto content = sys::read_small_file(dir_fd_.get(), dir_, name).value_or("");
            sys::write_file_atomic(dir_fd_.get(), dir_, name, content, {.mode = 0600, .mtime = stamp, .sync_dir = false});
            restamped = true;
        });
    }
    if (restamped) attempt([&] { sys::fsync_dir(dir_fd_.get(), dir_); });
}

std::optional<std::vector<ip_address>> disk_store::read_index_repairing(const cni::attachment& a) {
    bool corrupt = false;
    auto listed = read_index(a, corrupt);
    if (!corrupt) return listed;
    // Only an interrupted rebuild can leave one; rebuild now rather than trust it.
    std::vector<std::string> errors;
    auto s = scan(errors);
    rebuild_index(s, 0, errors);
    return read_index(a, corrupt);
}

std::vector<ip_address> disk_store::held_by(const cni::attachment& a) {
    auto listed = read_index_repairing(a);
    std::vector<ip_address> held;
    if (!listed) return held;
    bool removed = false;
    for (const auto& ip : *listed) {
        auto o = owner_of(ip);
        if (!o) continue;
        if (names(*o, a)) held.push_back(ip);
        else if (o->torn()) removed |= sys::remove_file(dir_fd_.get(), dir_, ip.to_string());
    }
    if (removed) sys::fsync_dir(dir_fd_.get(), dir_);
    return held;
}

void disk_store::reserve(const cni::attachment& a, const std::vector<ip_address>& held,
                         const std::vector<new_reservation>& added, std::string_view owner_record) {
    if (added.empty()) return;
    std::vector<ip_address> all = held;
    for (const auto& n : added) all.push_back(n.ip);
    write_index(a, all);  // I2: intent first
    step("add:index-written");
    // No fsync of its own: it is written back with the reservations (I3), and a power cut that loses
    // it only leaves an attachment that reclaim never releases.
    if (!owner_record.empty())
        sys::write_file_atomic(dir_fd_.get(), dir_, owner_record_file_name(a), owner_record,
                               {.mode = 0600, .mtime = std::nullopt, .sync_dir = false, .sync_file = false,
                                .start_writeback = true});

    std::vector<ip_address> claimed;
    try {
        const std::string content = owner_content(a);
        for (const auto& n : added) {
            if (!sys::create_exclusive(dir_fd_.get(), dir_, n.ip.to_string(), content, 0600, /*sync=*/false))
                throw cni::error(cni::code::try_again_later,
                                 fmt::format("reserve {} in {}: the address was claimed by a writer that does not "
                                             "hold the store's lock", n.ip.to_string(), dir_));
            claimed.push_back(n.ip);
            step("add:address-claimed");
        }
        for (const auto& n : added)
            sys::write_file_atomic(dir_fd_.get(), dir_, last_ip_name(n.set_index), n.ip.to_string(),
                                   {.mode = 0600, .mtime = stamp, .sync_dir = false, .sync_file = false,
                                    .start_writeback = true});
        // I3: everything is written (and its writeback started) before the first fsync, so that on
        // ext4 one journal commit makes it all durable and the other fsyncs find nothing left to do.
        for (const auto& ip : claimed) sys::fsync_file(dir_fd_.get(), dir_, ip.to_string());
        for (const auto& n : added) sys::fsync_file(dir_fd_.get(), dir_, last_ip_name(n.set_index));
        sys::fsync_dir(dir_fd_.get(), dir_);
        step("add:done");
    } catch (...) {
        try {
            for (const auto& ip : claimed) sys::remove_file(dir_fd_.get(), dir_, ip.to_string());
            sys::fsync_dir(dir_fd_.get(), dir_);
            if (held.empty()) {
                sys::remove_file(dir_fd_.get(), dir_, owner_record_file_name(a));
                sys::remove_file(dir_fd_.get(), dir_, index_file_name(a));
                sys::fsync_dir(dir_fd_.get(), dir_);
            } else {
                write_index(a, held);
            }
        } catch (const std::exception& ex) {
            log::error("rolling back reservation for {}/{} in {}: {}", a.container_id, a.ifname, dir_, ex.what());
        }
        throw;
    }
}

std::vector<ip_address> disk_store::release(const cni::attachment& a) {
    std::vector<ip_address> released;
    auto release_listed = [&](const cni::attachment& key, bool legacy) {
        auto listed = read_index_repairing(key);
        if (!listed) return;
        for (const auto& ip : *listed) {
            auto o = owner_of(ip);
            if (!o) continue;
            bool mine = legacy ? (o->legacy() && o->container_id == trim(a.container_id)) : names(*o, key);
            if (mine || o->torn()) {  // I1
                if (sys::remove_file(dir_fd_.get(), dir_, ip.to_string()) && !o->torn()) released.push_back(ip);
            }
        }
        sys::fsync_dir(dir_fd_.get(), dir_);  // I3: the release is durable
        step("del:addresses-removed");
        // No directory fsync for the index: it is rebuilt after a power cut (I4).
        sys::remove_file(dir_fd_.get(), dir_, index_file_name(key));
    };
    release_listed(a, false);
    // Like the reference: files that record only the container ID count when none records the interface.
    if (released.empty() && !a.ifname.empty()) release_listed({a.container_id, ""}, true);
    sys::remove_file(dir_fd_.get(), dir_, owner_record_file_name(a));
    return released;
}

std::optional<std::string> disk_store::owner_record_text(const cni::attachment& a) {
    return sys::read_small_file(dir_fd_.get(), dir_, owner_record_file_name(a));
}

std::size_t disk_store::pointer_count() {
    std::size_t n = 0;
    while (sys::stat_at(dir_fd_.get(), dir_, last_ip_name(n))) ++n;
    return n;
}

gc_outcome disk_store::gc(const std::vector<cni::attachment>& valid, std::size_t range_set_count) {
    gc_outcome out;
    auto s = scan(out.errors);
    auto is_valid = [&](const owner& o) {
        for (const auto& v : valid) {
            if (o.container_id != trim(v.container_id)) continue;
            if (o.legacy() || o.ifname == v.ifname) return true;
        }
        return false;
    };
    bool removed = false;
    for (auto it = s.reservations.begin(); it != s.reservations.end();) {
        if (!it->second.torn() && !is_valid(it->second)) {
            try {
                removed |= sys::remove_file(dir_fd_.get(), dir_, it->first.to_string());
                out.released.push_back(it->first);
                it = s.reservations.erase(it);
                continue;
            } catch (const std::exception& ex) {
                out.errors.push_back(ex.what());
            }
        }
        ++it;
    }
    if (removed) {
        try {
            sys::fsync_dir(dir_fd_.get(), dir_);
        } catch (const std::exception& ex) {
            out.errors.push_back(ex.what());
        }
    }
    step("gc:released");
    rebuild_index(s, range_set_count, out.errors);
    return out;
}

}  // namespace wharf::ipam
