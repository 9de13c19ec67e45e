#include "cli/demo_traffic.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "netns/netns.hpp"

namespace wharf::cli {

namespace {

void serve(int listener, const std::string& greeting) {
    for (;;) {
        sockaddr_in peer{};
        socklen_t len = sizeof peer;
        int c = ::accept(listener, reinterpret_cast<sockaddr*>(&peer), &len);
        if (c < 0) continue;
        char buf[2048];
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 2000) > 0) (void)::read(c, buf, sizeof buf);  // the request; its content does not matter
        char ip[INET_ADDRSTRLEN] = "?";
        ::inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
        std::string body = greeting + "; you came from " + ip + "\n";
        std::string reply = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\nConnection: close\r\n\r\n" + body;
        (void)::write(c, reply.data(), reply.size());
        ::close(c);
    }
}

}  // namespace

http_responder::http_responder(const std::string& netns_path, std::uint16_t port, const std::string& greeting) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw_errno("create pipe for the HTTP responder");
    unique_fd ready_read(ready[0]), ready_write(ready[1]);
    std::optional<netns::handle> ns;
    if (!netns_path.empty()) ns = netns::handle::open(netns_path);
    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork the HTTP responder");
    if (pid_ == 0) {
        ::signal(SIGINT, SIG_IGN);  // the demo stops it after cleaning up, not Ctrl-C
        char status = 'x';
        if (!ns || ::setns(ns->fd(), CLONE_NEWNET) == 0) {
            int s = ::socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port);
            if (s >= 0 && ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(s, 16) == 0) {
                status = 'y';
                (void)::write(ready_write.get(), &status, 1);
                ready_write.reset();
                serve(s, greeting);
            }
        }
        (void)::write(ready_write.get(), &status, 1);
        ::_exit(1);
    }
    ready_write.reset();
    char status = 0;
    ssize_t n;
    while ((n = ::read(ready_read.get(), &status, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1 || status != 'y') {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        throw os_error(EADDRNOTAVAIL, "start HTTP responder on port " + std::to_string(port) + " in " +
                                          (netns_path.empty() ? std::string("the host") : netns_path));
    }
}

http_responder::~http_responder() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

http_outcome http_get(const std::string& netns_path, const std::string& ip, std::uint16_t port, int timeout_ms) {
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    auto left = [&] {
        return static_cast<int>(std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count()));
    };
    unique_fd s;
    if (netns_path.empty()) {
        s.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    } else {
        netns::guard in(netns::handle::open(netns_path));
        s.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    }
    if (!s) return {.error = std::string("socket: ") + std::strerror(errno)};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return {.error = "bad address " + ip};
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS)
        return {.error = std::string("connect: ") + std::strerror(errno)};
    pollfd p{s.get(), POLLOUT, 0};
    if (::poll(&p, 1, left()) <= 0) return {.error = "no answer within " + std::to_string(timeout_ms) + " ms"};
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return {.error = std::string("connect: ") + std::strerror(err)};
    std::string request = "GET / HTTP/1.0\r\nHost: " + ip + "\r\n\r\n";
    if (::send(s.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0) return {.error = std::string("send: ") + std::strerror(errno)};
    std::string reply;
    for (;;) {
        pollfd r{s.get(), POLLIN, 0};
        if (::poll(&r, 1, left()) <= 0) return {.error = "reply incomplete within " + std::to_string(timeout_ms) + " ms"};
        char buf[4096];
        ssize_t n = ::read(s.get(), buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return {.error = std::string("read: ") + std::strerror(errno)};
        if (n == 0) break;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    auto body = reply.find("\r\n\r\n");
    if (reply.rfind("HTTP/1.0 200", 0) != 0 || body == std::string::npos) return {.error = "unexpected reply"};
    std::string text = reply.substr(body + 4);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return {.ok = true, .body = text};
}

}  // namespace wharf::cli
