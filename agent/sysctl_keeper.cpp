#include "sysctl_keeper.hpp"

#include <sys/stat.h>

#include <exception>

#include "log/logging.hpp"
#include "stats.hpp"

namespace wharf::agent {

void sysctl_keeper::keep() noexcept {
    try {
        const auto records = sys::wanted_sysctls::here();
        struct stat st{};
        if (::stat(records.path().c_str(), &st) != 0) {
            wanted_.clear();  // no attachment has recorded any yet
            seen_inode_ = 0;
            return;
        }
        if (st.st_ino != seen_inode_ || st.st_mtim.tv_sec != seen_.tv_sec || st.st_mtim.tv_nsec != seen_.tv_nsec) {
            wanted_ = records.all();
            seen_ = st.st_mtim;
            seen_inode_ = st.st_ino;
        }
        for (const auto& change : sys::restore_sysctls(wanted_)) {
            log::info("set {} again (an attachment relies on it)", change);
            ++counters().repairs;
        }
    } catch (const std::exception& e) {
        log::warn("cannot keep the recorded sysctls: {}", e.what());
    }
}

}  // namespace wharf::agent
