#include "netns/origin.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "json/json.hpp"
#include "netns/netns.hpp"
#include "sys/boot_id.hpp"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71  // asm-generic/socket.h, Linux 5.14
#endif

namespace wharf::netns {

namespace {

// Any socket belongs to the namespace it was made in; a unix datagram socket is the cheapest to make.
std::uint64_t cookie_of(const handle& ns) {
    guard in(ns);
    unique_fd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno("socket in netns \"" + ns.path() + "\"");
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) {
        if (errno == ENOPROTOOPT) return 0;
        throw_errno("read the cookie of netns \"" + ns.path() + "\"");
    }
    return cookie;
}

template <typename T>
T number_field(const nlohmann::json& doc, const char* key) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_number_integer()) return 0;
    if constexpr (std::is_unsigned_v<T>) {
        if (!it->is_number_unsigned()) return 0;
    }
    return it->get<T>();
}

std::string string_field(const nlohmann::json& doc, const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<identity> identify(const std::string& path) {
    std::optional<handle> ns;
    try {
        ns = handle::open(path);
    } catch (const not_found&) {
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(ns->fd(), &st) != 0) throw_errno("fstat netns \"" + path + "\"");
    return identity{.dev = st.st_dev, .ino = st.st_ino, .cookie = cookie_of(*ns)};
}

origin capture(const std::string& netns_path) noexcept {
    origin o;
    try {
        o.netns = netns_path;
        o.boot_id = sys::boot_id();
        o.added_at = static_cast<std::int64_t>(std::time(nullptr));
        if (!netns_path.empty()) o.id = identify(netns_path).value_or(identity{});
    } catch (...) {
        o.id = identity{};
    }
    return o;
}

presence observe(const origin& o) noexcept {
    if (!o.id.known() || o.netns.empty()) return presence::unknown;
    try {
        const auto now = identify(o.netns);
        if (!now) return presence::gone;
        // Without a cookie on either side, device and inode are all there is; they may name a
        // namespace made later at the same path, so the answer is "same" (never reclaimed), not a guess.
        if (now->dev != o.id.dev || now->ino != o.id.ino) return presence::replaced;
        if (o.id.cookie != 0 && now->cookie != 0 && now->cookie != o.id.cookie) return presence::replaced;
        return presence::same;
    } catch (const not_a_namespace&) {
        return presence::replaced;
    } catch (...) {
        return presence::unknown;
    }
}

const char* to_string(presence p) noexcept {
    switch (p) {
        case presence::same: return "still there";
        case presence::gone: return "gone";
        case presence::replaced: return "replaced by another namespace";
        case presence::unknown: return "unknown";
    }
    return "unknown";
}

void put_fields(nlohmann::json& doc, const origin& o) {
    doc["netns"] = o.netns;
    doc["netnsDev"] = o.id.dev;
    doc["netnsIno"] = o.id.ino;
    doc["netnsCookie"] = o.id.cookie;
    doc["bootId"] = o.boot_id;
    doc["addedAt"] = o.added_at;
}

origin get_fields(const nlohmann::json& doc) {
    origin o;
    o.netns = string_field(doc, "netns");
    o.id.dev = number_field<std::uint64_t>(doc, "netnsDev");
    o.id.ino = number_field<std::uint64_t>(doc, "netnsIno");
    o.id.cookie = number_field<std::uint64_t>(doc, "netnsCookie");
    o.boot_id = string_field(doc, "bootId");
    o.added_at = number_field<std::int64_t>(doc, "addedAt");
    return o;
}

}  // namespace wharf::netns
