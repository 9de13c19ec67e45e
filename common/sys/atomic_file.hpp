#pragma once
// Durable small-file writes inside one directory, all relative to an open directory fd:
//  - write_file_atomic: temp file in the same directory, write, fsync, rename over the target, fsync
//    the directory. A crash leaves either the old or the new content, never a torn file; at worst a
//    stale temp file named with temp_prefix, which an owner may sweep. The temp file is closed before
//    the rename, so an executable written this way can be exec'd the moment it is in place.
//  - create_exclusive: O_CREAT|O_EXCL, so creating the file is the claim; write, fsync.
//  - read_small_file: the whole file, or nullopt when it does not exist.
// `dir_path` is used only to name the object in errors.
#include <sys/stat.h>
#include <time.h>

#include <optional>
#include <string>
#include <string_view>

namespace wharf::sys {

inline constexpr std::string_view temp_prefix = ".wharf-tmp.";

struct write_options {
    unsigned mode = 0600;
    // When set, the file's mtime (and atime) is set to this before it is renamed into place.
    std::optional<timespec> mtime;
    // fsync the directory after the rename. Callers that rename several files may sync once at the end.
    bool sync_dir = true;
    // fsync the file before the rename. Only a caller that makes many files durable at once (syncfs, or
    // fsync_file after the rename) and can tell a torn file from a good one may turn this off.
    bool sync_file = true;
    // Without sync_file: start writing the data back before the rename (sync_file_range), so that on a
    // filesystem that orders data before metadata (ext4's default) the rename's journal commit carries it.
    bool start_writeback = false;
};

void write_file_atomic(int dir_fd, const std::string& dir_path, const std::string& name, std::string_view data,
                       const write_options& opts = {});

// Creates `name` exclusively with `data` and fsyncs it (not the directory: call fsync_dir); with
// sync = false it only starts writing the data back, and the caller fsyncs later (fsync_file).
// Returns false, creating nothing, when the name already exists.
bool create_exclusive(int dir_fd, const std::string& dir_path, const std::string& name, std::string_view data,
                      unsigned mode = 0600, bool sync = true);

void fsync_dir(int dir_fd, const std::string& dir_path);
// fsync of an existing file by name.
void fsync_file(int dir_fd, const std::string& dir_path, const std::string& name);

// Removes `name`; returns false when it did not exist.
bool remove_file(int dir_fd, const std::string& dir_path, const std::string& name);

std::optional<std::string> read_small_file(int dir_fd, const std::string& dir_path, const std::string& name);

// stat of `name` without following symlinks; nullopt when it does not exist.
std::optional<struct stat> stat_at(int dir_fd, const std::string& dir_path, const std::string& name);

}  // namespace wharf::sys
