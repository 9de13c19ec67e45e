#include "reclaim.hpp"

#include <ctime>
#include <exception>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "log/logging.hpp"
#include "portmap.hpp"
#include "reclaim_owners.hpp"
#include "stats.hpp"
#include "sys/boot_id.hpp"

namespace wharf::agent {

namespace {

struct pass {
    const reclaim_options& opts;
    std::string boot_id = sys::boot_id();
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    std::size_t released = 0;

    // judge() for one record, logged; true when the record is to be released now (never in a dry run).
    bool decide(const netns::origin& o, const std::string& what) {
        const verdict v = judge(o, netns::observe(o), boot_id, now, opts.policy);
        if (!v.release) {
            log::debug("reclaim: keeping {}: {}", what, v.reason);
            return false;
        }
        if (opts.dry_run) {
            log::info("reclaim (dry run): would release {}: {}", what, v.reason);
            ++released;
            return false;
        }
        log::info("reclaim: releasing {}: {}", what, v.reason);
        return true;
    }

    void host_local(const std::string& data_dir) {
        for (const auto& owner : ipam::recorded_owners(data_dir)) {
            const std::string what = fmt::format("the addresses of container {} interface {} in network {} ({})",
                                                 owner.record.container_id, owner.record.ifname, owner.network,
                                                 data_dir);
            if (!decide(owner.record.origin, what)) continue;
            try {
                const auto ips = ipam::release_owner(owner);
                if (!ips) {
                    log::info("reclaim: {} changed meanwhile (an ADD or DEL came first); released nothing", what);
                    continue;
                }
                std::vector<std::string> names;
                for (const auto& ip : *ips) names.push_back(ip.to_string());
                log::info("reclaim: released {} of container {} interface {} in network {} ({})",
                          names.empty() ? std::string("no address (none was left)") : fmt::format("{}", fmt::join(names, ", ")),
                          owner.record.container_id, owner.record.ifname, owner.network, data_dir);
                ++released;
            } catch (const std::exception& e) {
                log::error("reclaim: cannot release {}: {}", what, e.what());
            }
        }
    }

    void portmap() {
        const auto records = portmap::reclaim_recorded([&](const portmap::attachment_record& r) {
            return decide(r.origin, fmt::format("the published ports of container {} interface {}", r.container_id, r.ifname));
        });
        for (const auto& r : records)
            log::info("reclaim: withdrew the published ports of container {} interface {}", r.container_id, r.ifname);
        released += records.size();
    }
};

std::optional<std::chrono::steady_clock::time_point> last_pass;

}  // namespace

std::size_t reclaim_once(const reclaim_options& opts) noexcept {
    try {
        pass p{.opts = opts};
        const std::vector<std::string> dirs = opts.ipam_dirs.empty() ? std::vector<std::string>{default_ipam_dir} : opts.ipam_dirs;
        for (const auto& dir : dirs) {
            try {
                p.host_local(dir);
            } catch (const std::exception& e) {
                log::error("reclaim: cannot read the IPAM data directory {}: {}", dir, e.what());
            }
        }
        try {
            p.portmap();
        } catch (const std::exception& e) {
            log::error("reclaim: cannot reclaim portmap's published ports: {}", e.what());
        }
        if (!opts.dry_run) counters().reclaimed += p.released;
        return p.released;
    } catch (const std::exception& e) {
        log::error("reclaim: {}", e.what());
        return 0;
    }
}

void reclaim_when_due(const reclaim_options& opts) noexcept {
    const auto now = std::chrono::steady_clock::now();
    if (last_pass && now - *last_pass < reclaim_period) return;
    last_pass = now;
    reclaim_once(opts);
}

}  // namespace wharf::agent
