#include "support/source_address.hpp"

#include <chrono>

#include "net/ip_address.hpp"
#include "support/background_process.hpp"
#include "support/temp_dir.hpp"
#include "support/watch.hpp"

namespace wharf::test {

std::string source_address_seen(const netns_sandbox& client, const netns_sandbox& server, const std::string& address,
                                unsigned port) {
    temp_dir dir{"wharf-source"};
    const bool v6 = address.find(':') != std::string::npos;
    const std::string at = (v6 ? "TCP6:[" + address + "]" : "TCP4:" + address) + ":" + std::to_string(port);
    // `fork`: the client's tries before the listener is up cost nothing, and every one is answered.
    background_process listener({"/usr/bin/socat", (v6 ? "TCP6-LISTEN:" : "TCP4-LISTEN:") + std::to_string(port) + ",reuseaddr,fork",
                                 "SYSTEM:echo $SOCAT_PEERADDR"},
                                dir.path() + "/socat.log", "/run/netns/" + server.name());
    std::string seen;
    within(std::chrono::seconds(5), [&] {
        seen = client.script("timeout 2 socat - " + at + " </dev/null 2>/dev/null");
        return !seen.empty();
    });
    listener.stop();
    if (!seen.empty() && seen.back() == '\n') seen.pop_back();
    if (seen.size() > 2 && seen.front() == '[' && seen.back() == ']') seen = seen.substr(1, seen.size() - 2);
    // socat writes IPv6 addresses in full (fd00:0163:...:0002): give them in their short form.
    if (const auto ip = net::ip_address::parse(seen)) seen = ip->to_string();
    return seen;
}

}  // namespace wharf::test
