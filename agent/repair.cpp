#include "repair.hpp"

#include <chrono>
#include <exception>

#include "firewall.hpp"
#include "log/logging.hpp"
#include "portmap.hpp"
#include "stats.hpp"

namespace wharf::agent {

std::size_t repair_once() noexcept {
    log::debug("repair round: checking what the plugins recorded against nftables");
    const auto started = std::chrono::steady_clock::now();
    stats& s = counters();
    std::size_t restored = 0;
    try {
        for (const auto& piece : bridge::restore_recorded()) {
            log::info("restored the bridge plugin's {}", piece);
            ++restored;
        }
    } catch (const std::exception& e) {
        log::error("cannot restore the bridge plugin's network pieces: {}", e.what());
        ++s.repair_failures;
    }
    try {
        const std::size_t n = portmap::restore_recorded();
        if (n != 0) log::info("published the ports of {} attachment{} again", n, n == 1 ? "" : "s");
        restored += n;
    } catch (const std::exception& e) {
        log::error("cannot restore portmap's published ports: {}", e.what());
        ++s.repair_failures;
    }
    ++s.repair_rounds;
    s.repairs += restored;
    s.repair_microseconds += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
    return restored;
}

}  // namespace wharf::agent
