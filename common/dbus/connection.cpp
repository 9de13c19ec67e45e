#include "dbus/connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/os_error.hpp"
#include "dbus/error.hpp"

namespace wharf::dbus {

namespace {

using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

// A reply is a few hundred bytes; the specification allows 128 MiB, far beyond anything Wharf reads.
constexpr std::size_t max_message = 1 << 20;
constexpr std::size_t max_auth_line = 512;

constexpr const char* bus_name = "org.freedesktop.DBus";
constexpr const char* bus_path = "/org/freedesktop/DBus";

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The value of `key` in one address entry ("unix:path=/run/dbus/x,guid=..."), %-escapes undone.
std::string address_value(std::string_view entry, std::string_view key) {
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) return {};
    std::string_view rest = entry.substr(colon + 1);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view pair = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || pair.substr(0, eq) != key) continue;
        std::string out;
        std::string_view v = pair.substr(eq + 1);
        for (std::size_t i = 0; i < v.size(); ++i) {
            const int high = i + 2 < v.size() && v[i] == '%' ? hex_digit(v[i + 1]) : -1;
            const int low = high >= 0 ? hex_digit(v[i + 2]) : -1;
            if (low < 0) {
                out.push_back(v[i]);
                continue;
            }
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        }
        return out;
    }
    return {};
}

int remaining_ms(clock::time_point until) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

[[noreturn]] void timed_out(const std::string& what) { throw error(no_reply, what + ": no answer in time"); }

// Waits until `fd` is ready for `events`; throws when the deadline passes first.
void wait_for(int fd, short events, clock::time_point until, const char* what) {
    for (;;) {
        pollfd p{.fd = fd, .events = events, .revents = 0};
        const int n = ::poll(&p, 1, remaining_ms(until));
        if (n > 0) return;
        if (n == 0) timed_out(what);
        if (errno != EINTR) throw_errno(std::string("poll for D-Bus ") + what);
    }
}

unique_fd connect_unix(const std::string& path, bool abstract) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t offset = abstract ? 1 : 0;
    if (path.size() + offset >= sizeof(addr.sun_path)) throw os_error(ENAMETOOLONG, "connect to D-Bus socket " + path);
    std::memcpy(addr.sun_path + offset, path.data(), path.size());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + path.size() + (abstract ? 0 : 1));
    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) throw_errno("socket(AF_UNIX) for D-Bus");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0)
        throw_errno("connect to D-Bus socket " + std::string(abstract ? "@" : "") + path);
    return fd;
}

std::string hex(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

}  // namespace

std::string system_bus_address() {
    const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    return env && *env ? env : "unix:path=/var/run/dbus/system_bus_socket";
}

connection connection::open(const std::string& address, milliseconds timeout) {
    const auto until = clock::now() + timeout;
    std::vector<std::string> entries;
    for (std::size_t start = 0; start <= address.size();) {
        const auto semi = address.find(';', start);
        entries.push_back(address.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
        if (semi == std::string::npos) break;
        start = semi + 1;
    }
    int last_errno = ENOENT;
    std::string last_what = "connect to D-Bus: no unix: entry in address \"" + address + "\"";
    for (const auto& entry : entries) {
        if (!entry.starts_with("unix:")) continue;
        const std::string path = address_value(entry, "path");
        const std::string abstract = address_value(entry, "abstract");
        if (path.empty() && abstract.empty()) continue;
        unique_fd fd;
        try {
            fd = path.empty() ? connect_unix(abstract, true) : connect_unix(path, false);
        } catch (const os_error& e) {
            last_errno = e.code_value();
            last_what = e.operation();
            continue;
        }
        connection c(std::move(fd));
        // The NUL byte, EXTERNAL authentication as our uid, BEGIN and Hello go in one write: the bus
        // reads them in order, and the answers come back in one round trip.
        const std::string uid = std::to_string(::geteuid());
        message hello;
        hello.serial = c.next_serial();
        hello.destination = bus_name;
        hello.path = bus_path;
        hello.interface = bus_name;
        hello.member = "Hello";
        c.send(std::string(1, '\0') + "AUTH EXTERNAL " + hex(uid) + "\r\nBEGIN\r\n" + encode(hello), until);
        const std::string answer = c.read_line(until);
        if (!answer.starts_with("OK "))
            throw error("org.freedesktop.DBus.Error.AuthFailed", "the bus at " + entry + " refused EXTERNAL authentication: " + answer);
        const message reply = c.await_reply(hello.serial, until);
        if (reply.signature == "s") {
            auto r = reply.body_reader();
            c.unique_name_ = r.string();
        }
        return c;
    }
    throw os_error(last_errno, last_what);
}

void connection::send(const std::string& bytes, deadline until) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n >= 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) throw_errno("send to D-Bus");
        wait_for(fd_.get(), POLLOUT, until, "send");
    }
}

void connection::fill(deadline until) {
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
        if (n > 0) {
            in_.append(chunk, static_cast<std::size_t>(n));
            return;
        }
        if (n == 0) throw os_error(ECONNRESET, "receive from D-Bus: the bus closed the connection");
        if (errno == EINTR) continue;
        if (errno != EAGAIN) throw_errno("receive from D-Bus");
        wait_for(fd_.get(), POLLIN, until, "receive");
    }
}

std::string connection::read_line(deadline until) {
    for (;;) {
        if (const auto end = in_.find("\r\n"); end != std::string::npos) {
            std::string line = in_.substr(0, end);
            in_.erase(0, end + 2);
            return line;
        }
        if (in_.size() > max_auth_line) throw error("org.freedesktop.DBus.Error.AuthFailed", "authentication line too long");
        fill(until);
    }
}

message connection::receive(deadline until) {
    while (in_.size() < fixed_header_size) fill(until);
    const std::size_t total = message_length(in_, max_message);
    while (in_.size() < total) fill(until);
    message m = decode(std::string_view(in_).substr(0, total));
    in_.erase(0, total);
    return m;
}

message connection::await_reply(std::uint32_t serial, deadline until) {
    for (;;) {
        message m = receive(until);
        if (m.reply_serial != serial) continue;  // a signal, or NameAcquired after Hello
        if (m.type == message_type::method_return) return m;
        if (m.type == message_type::error) {
            std::string text;
            if (m.signature.starts_with("s")) {
                auto r = m.body_reader();
                text = r.string();
            }
            throw error(m.error_name, text);
        }
    }
}

message connection::call(const method_call& c, milliseconds timeout) {
    const auto until = clock::now() + timeout;
    message m;
    m.serial = next_serial();
    m.destination = c.destination;
    m.path = c.path;
    m.interface = c.interface;
    m.member = c.member;
    m.signature = c.signature;
    m.body = c.body;
    send(encode(m), until);
    return await_reply(m.serial, until);
}

}  // namespace wharf::dbus
