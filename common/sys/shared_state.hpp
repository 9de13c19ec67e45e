#pragma once
// shared_state: which attachments use each piece of a host's shared nftables state, so that the
// first ADD that needs a piece makes it and the DEL that leaves it unused removes it, while every
// other ADD and DEL commits nothing to nftables (nft/shared_pieces.hpp runs that protocol). A piece
// is named like the object it stands for: the bridge plugin's "masq-10.22.0.0_24" (a subnet's
// masquerade chain and its postrouting rule), "iso-wbr0" (a bridge's isolation entries).
//
// Files under <run dir>/<owner>/<host netns inode>/, one tree per plugin that owns pieces ("bridge",
// "firewall"; sys::run_dir(): /run/wharf, a tmpfs that starts empty at boot, as the kernel state it
// describes):
//   lock                       flock: ADD holds it shared, DEL and GC exclusively
//   attachments/<owner tag>    the pieces this attachment uses, one per line: DEL needs no prevResult
//   users/<piece>/<owner tag>  one empty file per user; the directory goes with its last user
//
// Why the lock makes the last DEL safe against a racing ADD: ADD records itself as a user and reads
// whether the piece exists while holding the lock shared; DEL removes itself, finds the piece unused
// and removes it while holding the lock exclusively. Either the ADD's record is there before the
// DEL looks (the DEL keeps the piece), or the ADD reads after the DEL has removed it (and makes it
// again). Nothing here is fsynced: after a crash the files are as the kernel left them, and after a
// power cut both the files (tmpfs) and the rules are gone.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "sys/file_lock.hpp"

namespace wharf::sys {

class shared_state {
public:
    // `owner`'s state in the calling thread's network namespace (the host's), created on first use.
    static shared_state open(const std::string& owner);
    // The same, when it exists: DEL and GC on a host where no ADD ever made a piece create nothing.
    static std::optional<shared_state> existing(const std::string& owner);

    file_lock lock(lock_kind kind) const;

    // Records `tag` as a user of `pieces` (added to what it used already). Hold the lock shared.
    void join(const std::string& tag, const std::vector<std::string>& pieces) const;
    // Removes `tag`'s user entries and returns the pieces it was the last user of (nothing when
    // `tag` has no record). The record stays until forget(): a caller that fails to remove the
    // pieces joins again, so a retried DEL finds them. Hold the lock exclusively.
    std::vector<std::string> leave(const std::string& tag) const;
    void forget(const std::string& tag) const;
    // Removes the user entries of `piece` whose tag is `stale`; true when that left it without users.
    // Hold the lock exclusively.
    bool drop_users(const std::string& piece, const std::function<bool(const std::string& tag)>& stale) const;
    // What `tag` uses, as recorded (empty when it has no record).
    std::vector<std::string> pieces_of(const std::string& tag) const;
    // Whether `tag` is recorded as a user of `piece`.
    bool uses(const std::string& tag, const std::string& piece) const;
    // Every attachment with a record, and every piece with a user.
    std::vector<std::string> attachments() const;
    std::vector<std::string> pieces() const;

    const std::string& path() const noexcept { return path_; }

private:
    shared_state(std::string path, unique_fd dir, unique_fd attachments)
        : path_(std::move(path)), dir_(std::move(dir)), attachments_(std::move(attachments)) {}
    std::string path_;
    unique_fd dir_;
    unique_fd attachments_;
};

}  // namespace wharf::sys
