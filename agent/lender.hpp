#pragma once
// The agent's half of netlink/netfilter_socket.hpp: it lends NETLINK_NETFILTER sockets, bound in the
// agent's network namespace, to the plugins, and takes each back when the borrower's connection
// closes. A socket is never released while the agent runs (a release after a commit costs one RCU
// grace period in the kernel's nftables commit mutex, which is what lending avoids), so the pool
// only grows to the most borrowers at once; beyond `max_lent` the agent refuses and the plugin opens
// its own socket.
//
// Runs in its own thread: a repair in the main loop never delays a plugin waiting for a socket.
#include <cstddef>
#include <cstdint>
#include <string>
#include <mutex>
#include <sys/types.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/unique_fd.hpp"
#include "worker.hpp"

namespace wharf::agent {

struct lender_counters {
    std::uint64_t lent = 0;       // sockets handed out
    std::uint64_t refused = 0;    // requests refused (not root, too many borrowers, bad request)
    std::uint64_t returned = 0;   // sockets taken back
    std::uint64_t opened = 0;     // sockets the pool opened
};

class lender {
public:
    // Listens on `path` (0600). A file left there by an agent that is gone is replaced; a live agent
    // listening there is an error (two agents must not share a run directory).
    explicit lender(std::string path, std::size_t max_lent = 512);
    ~lender();  // stops the thread, closes every connection, removes the socket file
    lender(const lender&) = delete;
    lender& operator=(const lender&) = delete;

    const std::string& path() const noexcept { return path_; }
    // A snapshot of the counters (read under the thread's lock).
    lender_counters counters() const;
    // Whether `port_id` is one of the pool's sockets: a change committed on it came from a plugin
    // through us. Safe from any thread.
    bool pooled(std::uint32_t port_id) const;
    // How many sockets the pool holds, lent or idle.
    std::size_t pool_size() const;

private:
    struct loan {
        unique_fd connection;
        unique_fd socket;
    };
    void run() noexcept;
    void accept_borrowers();
    void answer(unique_fd connection);
    void take_back(int connection_fd);
    unique_fd pooled_socket();

    std::string path_;
    std::size_t max_lent_;
    unique_fd listener_;
    ino_t listener_inode_ = 0;
    std::vector<unique_fd> idle_;
    std::unordered_map<int, loan> loans_;  // by connection fd
    mutable std::mutex counters_mutex_;  // guards counters_ and ports_
    lender_counters counters_;
    std::unordered_set<std::uint32_t> ports_;
    worker worker_;  // last: stopped and joined first
};

}  // namespace wharf::agent
