#include "record.hpp"

#include <fcntl.h>

#include <cerrno>

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "json/json.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"
#include "sysctl_key.hpp"

namespace wharf::tuning {

using nlohmann::json;

namespace {

constexpr std::string_view suffix = ".json";

[[noreturn]] void undecodable(const std::string& where, const std::string& why) {
    throw cni::error(cni::code::decoding_failure, "cannot read the saved interface settings " + where, why);
}

template <typename T>
std::optional<T> number(const json& j, const char* key, const std::string& where) {
    const json* v = cni::find_value(j, key);
    if (!v) return std::nullopt;
    if (!v->is_number_unsigned()) undecodable(where, std::string(key) + " is " + v->dump() + ", not a count");
    return static_cast<T>(v->get<std::uint64_t>());
}

std::optional<bool> flag(const json& j, const char* key, const std::string& where) {
    const json* v = cni::find_value(j, key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) undecodable(where, std::string(key) + " is " + v->dump() + ", not true or false");
    return v->get<bool>();
}

std::string text(const json& j, const char* key, const std::string& where) {
    const json* v = cni::find_value(j, key);
    if (!v) return {};
    if (!v->is_string()) undecodable(where, std::string(key) + " is " + v->dump() + ", not a string");
    return v->get<std::string>();
}

unique_fd open_dir(const std::string& dir) {
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open directory \"" + dir + "\"");
    return fd;
}

}  // namespace

std::string record_name(const std::string& container_id, const std::string& ifname) {
    return container_id + "_" + ifname + std::string(suffix);
}

std::string record_to_text(const record& r) {
    json j = json::object();
    if (r.mac) j["mac"] = r.mac->to_string();
    if (r.promisc) j["promisc"] = *r.promisc;
    if (r.mtu) j["mtu"] = *r.mtu;
    if (r.allmulti) j["allmulti"] = *r.allmulti;
    if (r.txqlen) j["txQLen"] = *r.txqlen;
    if (!r.sysctls.empty()) {
        json s = json::object();
        for (const auto& [path, value] : r.sysctls) s[path] = value;
        j["sysctl"] = std::move(s);
    }
    if (!r.network.empty()) j["network"] = r.network;
    if (!r.container_id.empty()) j["containerID"] = r.container_id;
    if (!r.ifname.empty()) j["ifname"] = r.ifname;
    return j.dump(1);
}

record record_from_text(const std::string& data, const std::string& where) {
    const json j = json::parse(data, nullptr, false);
    if (!j.is_object()) undecodable(where, "not a JSON object");
    record r;
    if (auto m = text(j, "mac", where); !m.empty()) {
        r.mac = net::mac::parse(m);
        if (!r.mac) undecodable(where, "mac \"" + m + "\" is not a MAC address");
    }
    r.promisc = flag(j, "promisc", where);
    // The reference leaves out an MTU of 0: nothing to restore.
    if (auto mtu = number<std::uint32_t>(j, "mtu", where); mtu && *mtu != 0) r.mtu = mtu;
    r.allmulti = flag(j, "allmulti", where);
    r.txqlen = number<std::uint32_t>(j, "txQLen", where);
    if (const json* s = cni::find_value(j, "sysctl")) {
        if (!s->is_object()) undecodable(where, "sysctl is not an object");
        for (const auto& [path, value] : s->items()) {
            if (!value.is_string()) undecodable(where, "sysctl " + path + " is not a string");
            // DEL writes these back: a path that is not a net.* key is never written, whoever wrote the file.
            if (auto why = sysctl_key_problem(path); !why.empty()) undecodable(where, "sysctl " + path + " " + why);
            r.sysctls.emplace_back(path, value.get<std::string>());
        }
    }
    r.network = text(j, "network", where);
    r.container_id = text(j, "containerID", where);
    r.ifname = text(j, "ifname", where);
    return r;
}

record merge_records(const record& older, const record& newer) {
    record r = newer;
    if (older.mac) r.mac = older.mac;
    if (older.promisc) r.promisc = older.promisc;
    if (older.mtu) r.mtu = older.mtu;
    if (older.allmulti) r.allmulti = older.allmulti;
    if (older.txqlen) r.txqlen = older.txqlen;
    for (const auto& [path, value] : older.sysctls) {
        bool replaced = false;
        for (auto& [p, v] : r.sysctls) {
            if (p != path) continue;
            v = value;
            replaced = true;
        }
        if (!replaced) r.sysctls.emplace_back(path, value);
    }
    return r;
}

record_store record_store::open(const std::string& data_dir) {
    sys::make_directories(data_dir, 0700);
    return record_store(open_dir(data_dir), data_dir);
}

std::optional<record_store> record_store::open_existing(const std::string& data_dir) {
    unique_fd fd(::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open directory \"" + data_dir + "\"");
    }
    return record_store(std::move(fd), data_dir);
}

std::optional<record> record_store::load(const std::string& name) const {
    auto data = sys::read_small_file(fd_.get(), dir_, name);
    if (!data) return std::nullopt;
    return record_from_text(*data, dir_ + "/" + name);
}

void record_store::save(const std::string& name, const record& r) const {
    sys::write_file_atomic(fd_.get(), dir_, name, record_to_text(r));
}

bool record_store::remove(const std::string& name) const { return sys::remove_file(fd_.get(), dir_, name); }

std::vector<std::string> record_store::names() const {
    std::vector<std::string> out;
    for (auto& name : sys::list_names(fd_.get(), dir_))
        if (name.ends_with(suffix) && !name.starts_with(sys::temp_prefix)) out.push_back(std::move(name));
    return out;
}

}  // namespace wharf::tuning
