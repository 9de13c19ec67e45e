#include "reclaim_owners.hpp"

#include <fcntl.h>

#include <cerrno>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "disk_store.hpp"
#include "log/logging.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"

namespace wharf::ipam {

namespace {

unique_fd open_dir(int at, const std::string& name) {
    return unique_fd(::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

}  // namespace

std::vector<recorded_owner> recorded_owners(const std::string& data_dir) {
    std::vector<recorded_owner> out;
    const unique_fd top = open_dir(AT_FDCWD, data_dir);
    if (!top) {
        if (errno == ENOENT) return out;
        throw_errno("open IPAM data directory " + data_dir);
    }
    for (const auto& network : sys::list_names(top.get(), data_dir)) {
        const std::string dir = data_dir + "/" + network;
        const unique_fd fd = open_dir(top.get(), network);
        if (!fd) continue;  // a file, or gone meanwhile
        for (const auto& name : sys::list_names(fd.get(), dir)) {
            if (!name.starts_with(owner_record_prefix)) continue;
            auto text = sys::read_small_file(fd.get(), dir, name);
            if (!text) continue;
            auto record = parse_owner_record(*text);
            if (!record) {
                log::debug("reclaim: {}/{} is no owner record this version reads; left alone", dir, name);
                continue;
            }
            out.push_back({data_dir, network, std::move(*text), std::move(*record)});
        }
    }
    return out;
}

std::optional<std::vector<net::ip_address>> release_owner(const recorded_owner& o) {
    auto store = disk_store::open(o.data_dir, o.network);
    const cni::attachment a{o.record.container_id, o.record.ifname};
    if (store.owner_record_text(a) != o.text) return std::nullopt;
    store.ensure_indexed(store.pointer_count());
    return store.release(a);
}

}  // namespace wharf::ipam
