#include "metrics.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "base/os_error.hpp"
#include "lender.hpp"
#include "log/logging.hpp"
#include "net/ip_address.hpp"
#include "stats.hpp"

namespace wharf::agent {

stats& counters() noexcept {
    static stats all;
    return all;
}

namespace {

// "HOST:PORT" or "[HOST]:PORT" into a socket address; only loopback hosts.
sockaddr_storage loopback_address(const std::string& text, socklen_t& len) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        throw std::invalid_argument("--metrics wants HOST:PORT, not \"" + text + "\"");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port_text = text.substr(colon + 1);
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(port_text, &used);
        if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
        throw std::invalid_argument("--metrics: \"" + port_text + "\" is not a port");
    }
    const auto ip = net::ip_address::parse(host);
    if (!ip) throw std::invalid_argument("--metrics: \"" + host + "\" is not an IP address");
    sockaddr_storage out{};
    const std::uint8_t* b = ip->data();
    if (ip->is_v4()) {
        if (b[0] != 127) throw std::invalid_argument("--metrics listens on a loopback address only, not " + host);
        auto* sin = reinterpret_cast<sockaddr_in*>(&out);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(static_cast<std::uint16_t>(port));
        std::memcpy(&sin->sin_addr, b, 4);
        len = sizeof *sin;
    } else {
        static const unsigned char loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        if (std::memcmp(b, loopback6, 16) != 0)
            throw std::invalid_argument("--metrics listens on a loopback address only, not " + host);
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(static_cast<std::uint16_t>(port));
        std::memcpy(&sin6->sin6_addr, b, 16);
        len = sizeof *sin6;
    }
    return out;
}

std::string describe(const sockaddr_storage& addr) {
    char host[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&addr);
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(sin->sin_port));
    }
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(sin6->sin6_port));
}

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += ' ';
    out += fmt::format("{}", value);
    out += '\n';
}

void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

}  // namespace

void check_metrics_address(const std::string& address) {
    socklen_t len = 0;
    (void)loopback_address(address, len);
}

std::string render_metrics(const lender_counters* lent, std::size_t pooled) {
    const stats& s = counters();
    std::string out;
    if (lent) {
        metric(out, "wharfd_sockets_lent_total", "counter", "Netfilter sockets lent to plugins (one per plugin operation that used nftables or conntrack).", static_cast<double>(lent->lent));
        metric(out, "wharfd_lend_refused_total", "counter", "Requests for a socket refused (peer not root, too many lent).", static_cast<double>(lent->refused));
        metric(out, "wharfd_sockets_returned_total", "counter", "Lent sockets taken back.", static_cast<double>(lent->returned));
        metric(out, "wharfd_sockets_pooled", "gauge", "Netfilter sockets the agent holds, lent or idle.", static_cast<double>(pooled));
    }
    metric(out, "wharfd_repair_rounds_total", "counter", "Rounds that checked every record against the kernel.", static_cast<double>(s.repair_rounds.load()));
    metric(out, "wharfd_repairs_total", "counter", "Things made again: network pieces, attachments' published ports.", static_cast<double>(s.repairs.load()));
    metric(out, "wharfd_repair_failures_total", "counter", "Plugin repairs that failed (see the log).", static_cast<double>(s.repair_failures.load()));
    metric(out, "wharfd_repair_seconds_total", "counter", "Time spent in repair rounds, including their commits.", static_cast<double>(s.repair_microseconds.load()) / 1e6);
    metric(out, "wharfd_reclaimed_total", "counter", "Attachments of dead containers released.", static_cast<double>(s.reclaimed.load()));
    return out;
}

metrics_server::metrics_server(const std::string& address, std::function<std::string()> render,
                               std::function<health()> check)
    : render_(std::move(render)), check_(std::move(check)) {
    socklen_t len = 0;
    sockaddr_storage addr = loopback_address(address, len);
    listener_.reset(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_) throw_errno("open the metrics socket");
    const int on = 1;
    ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0) throw_errno("bind metrics to " + address);
    if (::listen(listener_.get(), 16) != 0) throw_errno("listen for metrics on " + address);
    socklen_t got = sizeof addr;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &got);
    bound_ = describe(addr);
    worker_.start([this] { run(); });
}

metrics_server::~metrics_server() = default;

void metrics_server::answer(int connection) const {
    const timeval limit{.tv_sec = 1, .tv_usec = 0};
    ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.find("\n\n") == std::string::npos &&
           request.size() < 8192) {
        const ssize_t n = ::recv(connection, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        request.append(buf, static_cast<std::size_t>(n));
    }
    const auto asks = [&request](std::string_view path) {
        const std::string line = "GET " + std::string(path);
        if (request.compare(0, line.size(), line) != 0 || request.size() == line.size()) return false;
        const char next = request[line.size()];
        return next == ' ' || next == '?' || next == '\r';
    };
    int status = 200;
    std::string body;
    if (asks("/metrics")) {
        body = render_();
    } else if (asks("/healthz") || asks("/readyz")) {
        const health h = check_ ? check_() : health{};
        const bool ok = asks("/healthz") ? h.live : h.ready;
        status = ok ? 200 : 503;
        body = ok ? "ok\n" : h.detail + "\n";
    } else {
        status = 404;
        body = "not found: try /metrics, /healthz or /readyz\n";
    }
    const char* reason = status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Not Found";
    const std::string head = fmt::format("HTTP/1.1 {} {}\r\n", status, reason) +
                             "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    send_all(connection, head + body);
}

void metrics_server::run() noexcept {
    for (;;) {
        pollfd fds[2] = {{.fd = worker_.stop_fd(), .events = POLLIN, .revents = 0},
                         {.fd = listener_.get(), .events = POLLIN, .revents = 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            log::error("metrics: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[0].revents != 0) return;
        unique_fd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection) continue;
        try {
            answer(connection.get());
        } catch (const std::exception& e) {
            log::warn("metrics: {}", e.what());
        }
    }
}

}  // namespace wharf::agent
