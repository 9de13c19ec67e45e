#pragma once
// The agent's metrics, in Prometheus' text format, over HTTP on a loopback address only (off unless
// `--metrics HOST:PORT` is given): GET /metrics answers, and so do the probes GET /healthz (the agent's
// loop is alive) and GET /readyz (it is in sync: in Kubernetes mode, with the cluster), 200 "ok" or
// 503 with the reason; anything else gets 404. One connection at a time, each with a one-second limit
// to send its request: a scrape or probe is small and rare.
#include <functional>
#include <string>

#include "base/unique_fd.hpp"
#include "worker.hpp"

namespace wharf::agent {

// What /healthz and /readyz answer.
struct health {
    bool live = true;    // /healthz: 200 when true
    bool ready = true;   // /readyz: 200 when true
    std::string detail;  // the 503's body: why not
};

class metrics_server {
public:
    // `address` is "127.0.0.1:9488", "[::1]:9488" or any loopback address with a port (0: any free
    // port). Throws std::invalid_argument for an address that is not loopback, os_error when it
    // cannot listen. `render` makes the page at each scrape, `check` answers each probe (both on the
    // server's thread; without `check`, both probes answer 200).
    metrics_server(const std::string& address, std::function<std::string()> render,
                   std::function<health()> check = {});
    ~metrics_server();
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    // The address it listens on, port included ("127.0.0.1:43121").
    const std::string& address() const noexcept { return bound_; }

private:
    void run() noexcept;
    void answer(int connection) const;

    std::function<std::string()> render_;
    std::function<health()> check_;
    unique_fd listener_;
    std::string bound_;
    worker worker_;  // last: stopped and joined first
};

// Throws std::invalid_argument, as the constructor would, for an address it would refuse.
void check_metrics_address(const std::string& address);

// The page: the lender's and the repair's counters (lender may be null: --once has none).
struct lender_counters;
std::string render_metrics(const lender_counters* lent, std::size_t pooled);

}  // namespace wharf::agent
