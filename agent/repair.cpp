#include "repair.hpp"

#include <exception>

#include "firewall.hpp"
#include "log/logging.hpp"
#include "portmap.hpp"

namespace wharf::agent {

std::size_t repair_once() noexcept {
    log::debug("repair round: checking what the plugins recorded against nftables");
    std::size_t restored = 0;
    try {
        for (const auto& piece : bridge::restore_recorded()) {
            log::info("restored the bridge plugin's {}", piece);
            ++restored;
        }
    } catch (const std::exception& e) {
        log::error("cannot restore the bridge plugin's network pieces: {}", e.what());
    }
    try {
        const std::size_t n = portmap::restore_recorded();
        if (n != 0) log::info("published the ports of {} attachment{} again", n, n == 1 ? "" : "s");
        restored += n;
    } catch (const std::exception& e) {
        log::error("cannot restore portmap's published ports: {}", e.what());
    }
    return restored;
}

}  // namespace wharf::agent
