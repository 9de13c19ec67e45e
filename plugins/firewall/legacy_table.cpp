#include "legacy_table.hpp"

#include <errno.h>
#include <netinet/in.h>  // before the linux/ headers: they then leave in_addr and IPPROTO_* to glibc
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <stdexcept>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"

namespace wharf::firewall::legacy {

namespace {

constexpr std::array<const char*, NF_INET_NUMHOOKS> hook_names = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT",
                                                                   "POSTROUTING"};

// Where the fields of an entry's header are: ipt_entry and ip6t_entry differ only in their address
// part (ipt_ip, ip6t_ip6), so the rest is read at each one's offsets.
struct entry_layout {
    std::size_t size;
    std::size_t target_offset;
    std::size_t next_offset;
    std::size_t comefrom;
    std::size_t counters;
};
constexpr entry_layout layout_v4{sizeof(ipt_entry), offsetof(ipt_entry, target_offset), offsetof(ipt_entry, next_offset),
                                 offsetof(ipt_entry, comefrom), offsetof(ipt_entry, counters)};
constexpr entry_layout layout_v6{sizeof(ip6t_entry), offsetof(ip6t_entry, target_offset), offsetof(ip6t_entry, next_offset),
                                 offsetof(ip6t_entry, comefrom), offsetof(ip6t_entry, counters)};
const entry_layout& layout_of(net::family f) { return f == net::family::v4 ? layout_v4 : layout_v6; }

// The table-wide structures are the same for both families; Wharf uses the IPv4 ones for either.
static_assert(sizeof(ipt_getinfo) == sizeof(ip6t_getinfo));
static_assert(sizeof(ipt_get_entries) == sizeof(ip6t_get_entries));
static_assert(sizeof(ipt_replace) == sizeof(ip6t_replace));

std::uint16_t u16_at(const std::uint8_t* p, std::size_t off) {
    std::uint16_t v = 0;
    std::memcpy(&v, p + off, sizeof v);
    return v;
}
void put_u16(std::uint8_t* p, std::size_t off, std::size_t v) {
    const auto x = static_cast<std::uint16_t>(v);
    std::memcpy(p + off, &x, sizeof x);
}

std::size_t target_offset(const entry_layout& lay, const entry& e) { return u16_at(e.raw.data(), lay.target_offset); }
const xt_entry_target& target_of(const entry_layout& lay, const entry& e) {
    return *reinterpret_cast<const xt_entry_target*>(e.raw.data() + target_offset(lay, e));
}
bool is_standard(const entry_layout& lay, const entry& e) { return target_of(lay, e).u.user.name[0] == '\0'; }
int standard_verdict(const entry_layout& lay, const entry& e) {
    int v = 0;
    std::memcpy(&v, e.raw.data() + target_offset(lay, e) + sizeof(xt_entry_target), sizeof v);
    return v;
}
void set_verdict(const entry_layout& lay, bytes& raw, int v) {
    std::memcpy(raw.data() + u16_at(raw.data(), lay.target_offset) + sizeof(xt_entry_target), &v, sizeof v);
}

// The socket option level and names of each family's x_tables.
struct family_api {
    int domain, level, get_info, get_entries, set_replace, set_add_counters;
    const char* tool;
};
constexpr family_api api_v4{AF_INET, IPPROTO_IP, IPT_SO_GET_INFO, IPT_SO_GET_ENTRIES, IPT_SO_SET_REPLACE,
                            IPT_SO_SET_ADD_COUNTERS, "iptables-legacy"};
constexpr family_api api_v6{AF_INET6, IPPROTO_IPV6, IP6T_SO_GET_INFO, IP6T_SO_GET_ENTRIES, IP6T_SO_SET_REPLACE,
                            IP6T_SO_SET_ADD_COUNTERS, "ip6tables-legacy"};
const family_api& api_of(net::family f) { return f == net::family::v4 ? api_v4 : api_v6; }

unique_fd raw_socket(net::family f) {
    unique_fd fd{::socket(api_of(f).domain, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)};
    if (!fd) throw_errno(std::string("socket(SOCK_RAW) for ") + api_of(f).tool);
    return fd;
}

// A match or target (xt_entry_match and xt_entry_target share their header: size, name, revision),
// with its data.
bytes extension(const char* name, std::uint8_t revision, const void* data, std::size_t size) {
    bytes out(XT_ALIGN(sizeof(xt_entry_match) + size), 0);
    xt_entry_match m{};
    m.u.user.match_size = static_cast<std::uint16_t>(out.size());
    std::strncpy(m.u.user.name, name, sizeof m.u.user.name - 1);
    m.u.user.revision = revision;
    std::memcpy(out.data(), &m, sizeof m);
    if (size != 0) std::memcpy(out.data() + sizeof m, data, size);
    return out;
}

// An entry's header matching `source` and `destination` (each a host address) when given.
bytes entry_header(net::family f, const std::optional<net::ip_address>& source, const std::optional<net::ip_address>& destination) {
    bytes out(layout_of(f).size, 0);
    if (f == net::family::v4) {
        ipt_entry h{};
        if (source) {
            h.ip.src = source->to_in_addr();
            h.ip.smsk.s_addr = 0xffffffffu;
        }
        if (destination) {
            h.ip.dst = destination->to_in_addr();
            h.ip.dmsk.s_addr = 0xffffffffu;
        }
        std::memcpy(out.data(), &h, sizeof h);
    } else {
        ip6t_entry h{};
        if (source) {
            h.ipv6.src = source->to_in6_addr();
            std::memset(&h.ipv6.smsk, 0xff, sizeof h.ipv6.smsk);
        }
        if (destination) {
            h.ipv6.dst = destination->to_in6_addr();
            std::memset(&h.ipv6.dmsk, 0xff, sizeof h.ipv6.dmsk);
        }
        std::memcpy(out.data(), &h, sizeof h);
    }
    return out;
}

entry make_entry(net::family f, bytes header, const std::vector<bytes>& matches, const bytes& target) {
    const entry_layout& lay = layout_of(f);
    std::size_t off = lay.size;
    for (const auto& m : matches) off += m.size();
    put_u16(header.data(), lay.target_offset, off);
    put_u16(header.data(), lay.next_offset, off + target.size());
    entry e;
    e.raw.resize(off + target.size());
    std::memcpy(e.raw.data(), header.data(), lay.size);
    std::size_t at = lay.size;
    for (const auto& m : matches) {
        std::memcpy(e.raw.data() + at, m.data(), m.size());
        at += m.size();
    }
    std::memcpy(e.raw.data() + at, target.data(), target.size());
    return e;
}

bytes standard_target(int verdict) { return extension(XT_STANDARD_TARGET, 0, &verdict, sizeof verdict); }

bytes comment_match(const std::string& text) {
    xt_comment_info info{};
    if (text.size() >= sizeof info.comment) throw std::invalid_argument("iptables comment too long: " + text);
    std::memcpy(info.comment, text.data(), text.size());
    return extension("comment", 0, &info, sizeof info);
}

bytes conntrack_related_established() {
    xt_conntrack_mtinfo3 info{};
    info.match_flags = XT_CONNTRACK_STATE;
    info.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) | XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
    return extension("conntrack", 3, &info, sizeof info);
}

std::string table_where(net::family f, const std::string& name) { return std::string(api_of(f).tool) + " table " + name; }

}  // namespace

table table::read(int fd, net::family fam, const std::string& name) {
    const family_api& api = api_of(fam);
    const entry_layout& lay = layout_of(fam);
    ipt_getinfo info{};
    if (name.size() >= sizeof info.name) throw std::invalid_argument("x_tables table name too long: " + name);
    std::memcpy(info.name, name.data(), name.size());
    socklen_t len = sizeof info;
    if (::getsockopt(fd, api.level, api.get_info, &info, &len) != 0)
        throw_errno("getsockopt(SO_GET_INFO) of " + table_where(fam, name));
    bytes buf(sizeof(ipt_get_entries) + info.size, 0);
    auto* get = reinterpret_cast<ipt_get_entries*>(buf.data());
    std::memcpy(get->name, info.name, sizeof get->name);
    get->size = info.size;
    len = static_cast<socklen_t>(buf.size());
    if (::getsockopt(fd, api.level, api.get_entries, buf.data(), &len) != 0)
        throw_errno("getsockopt(SO_GET_ENTRIES) of " + table_where(fam, name));

    table t;
    t.fam_ = fam;
    t.name_ = name;
    t.valid_hooks_ = info.valid_hooks;
    t.hook_entry_.resize(NF_INET_NUMHOOKS);
    t.underflow_.resize(NF_INET_NUMHOOKS);
    std::map<std::size_t, std::size_t> index_at;  // byte offset -> entry index
    const std::uint8_t* base = buf.data() + sizeof(ipt_get_entries);
    for (std::size_t off = 0; off < info.size;) {
        if (info.size - off < lay.size)
            throw std::runtime_error(table_where(fam, name) + ": malformed entry at offset " + std::to_string(off));
        const std::size_t next = u16_at(base + off, lay.next_offset), target = u16_at(base + off, lay.target_offset);
        if (next < lay.size || off + next > info.size || target < lay.size || target + sizeof(xt_entry_target) > next)
            throw std::runtime_error(table_where(fam, name) + ": malformed entry at offset " + std::to_string(off));
        index_at[off] = t.entries_.size();
        t.entries_.push_back(entry{.raw = bytes(base + off, base + off + next), .jump = std::nullopt, .old_index = t.entries_.size()});
        off += next;
    }
    auto index_of = [&](std::size_t off) {
        const auto it = index_at.find(off);
        if (it == index_at.end())
            throw std::runtime_error(table_where(fam, name) + ": offset " + std::to_string(off) + " is no entry's");
        return it->second;
    };
    for (auto& e : t.entries_)
        if (is_standard(lay, e) && standard_verdict(lay, e) >= 0)
            e.jump = index_of(static_cast<std::size_t>(standard_verdict(lay, e)));
    for (unsigned h = 0; h < NF_INET_NUMHOOKS; ++h)
        if (info.valid_hooks & (1u << h)) {
            t.hook_entry_[h] = index_of(info.hook_entry[h]);
            t.underflow_[h] = index_of(info.underflow[h]);
        }
    t.old_count_ = t.entries_.size();
    if (t.old_count_ != info.num_entries) throw std::runtime_error(table_where(fam, name) + ": entry count mismatch");
    return t;
}

bool table::is_error(std::size_t i) const {
    return std::strcmp(target_of(layout_of(fam_), entries_[i]).u.user.name, XT_ERROR_TARGET) == 0;
}

std::string table::error_name(std::size_t i) const {
    const auto& t = reinterpret_cast<const xt_error_target&>(target_of(layout_of(fam_), entries_[i]));
    return std::string(t.errorname, strnlen(t.errorname, sizeof t.errorname));
}

std::optional<std::size_t> table::chain_start(const std::string& name) const {
    for (unsigned h = 0; h < NF_INET_NUMHOOKS; ++h)
        if (name == hook_names[h]) return hook_entry_[h];
    for (std::size_t i = 0; i + 1 < entries_.size(); ++i)
        if (is_error(i) && error_name(i) == name) return i + 1;
    return std::nullopt;
}

std::size_t table::chain_end(std::size_t start) const {
    auto starts_chain = [&](std::size_t i) {
        return is_error(i) || std::find(hook_entry_.begin(), hook_entry_.end(), i) != hook_entry_.end();
    };
    std::size_t i = start;
    while (i + 1 < entries_.size() && !starts_chain(i + 1)) ++i;
    return i;
}

int table::verdict(std::size_t i) const {
    const entry_layout& lay = layout_of(fam_);
    return is_standard(lay, entries_[i]) ? standard_verdict(lay, entries_[i]) : 0;
}

std::string table::comment(std::size_t i) const {
    const auto& e = entries_[i];
    const entry_layout& lay = layout_of(fam_);
    for (std::size_t off = lay.size; off + sizeof(xt_entry_match) <= target_offset(lay, e);) {
        const auto* m = reinterpret_cast<const xt_entry_match*>(e.raw.data() + off);
        if (m->u.user.match_size < sizeof(xt_entry_match)) break;
        if (std::strcmp(m->u.user.name, "comment") == 0 &&
            m->u.user.match_size >= sizeof(xt_entry_match) + sizeof(xt_comment_info)) {
            const auto* c = reinterpret_cast<const xt_comment_info*>(m->data);
            return std::string(c->comment, strnlen(c->comment, sizeof c->comment));
        }
        off += m->u.user.match_size;
    }
    return {};
}

void table::insert(std::size_t at, entry e) {
    auto shift = [&](std::optional<std::size_t>& i, bool at_too) {
        if (i && (*i > at || (at_too && *i == at))) ++*i;
    };
    for (auto& x : entries_) shift(x.jump, false);
    shift(e.jump, false);
    for (auto& h : hook_entry_) shift(h, false);
    for (auto& u : underflow_) shift(u, true);
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(at), std::move(e));
}

void table::erase(std::size_t at) {
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(at));
    auto shift = [&](std::optional<std::size_t>& i) {
        if (i && *i > at) --*i;
    };
    for (auto& x : entries_) shift(x.jump);
    for (auto& h : hook_entry_) shift(h);
    for (auto& u : underflow_) shift(u);
}

void table::ensure_chain(const std::string& name) {
    if (chain_start(name)) return;
    // Before the first user chain sorting after it, or before the table's final ERROR entry.
    std::size_t at = entries_.size() - 1;
    for (std::size_t i = 0; i + 1 < entries_.size(); ++i)
        if (is_error(i) && error_name(i) > name) {
            at = i;
            break;
        }
    char chain[XT_FUNCTION_MAXNAMELEN] = {};
    if (name.size() >= sizeof chain) throw std::invalid_argument("iptables chain name too long: " + name);
    std::memcpy(chain, name.data(), name.size());
    const bytes target = extension(XT_ERROR_TARGET, 0, chain, sizeof chain);
    insert(at, make_entry(fam_, entry_header(fam_, {}, {}), {}, target));
    insert(at + 1, make_entry(fam_, entry_header(fam_, {}, {}), {}, standard_target(XT_RETURN)));
}

bool table::write(int fd) const {
    const family_api& api = api_of(fam_);
    const entry_layout& lay = layout_of(fam_);
    std::vector<std::size_t> offset(entries_.size() + 1, 0);
    for (std::size_t i = 0; i < entries_.size(); ++i) offset[i + 1] = offset[i] + entries_[i].raw.size();
    bytes buf(sizeof(ipt_replace) + offset.back(), 0);
    auto* r = reinterpret_cast<ipt_replace*>(buf.data());
    std::memcpy(r->name, name_.data(), name_.size());
    r->valid_hooks = valid_hooks_;
    r->num_entries = static_cast<unsigned>(entries_.size());
    r->size = static_cast<unsigned>(offset.back());
    for (unsigned h = 0; h < NF_INET_NUMHOOKS; ++h) {
        if (hook_entry_[h]) r->hook_entry[h] = static_cast<unsigned>(offset[*hook_entry_[h]]);
        if (underflow_[h]) r->underflow[h] = static_cast<unsigned>(offset[*underflow_[h]]);
    }
    std::vector<xt_counters> old(old_count_);
    r->num_counters = static_cast<unsigned>(old_count_);
    r->counters = old.data();
    std::uint8_t* out = buf.data() + sizeof(ipt_replace);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        bytes raw = entries_[i].raw;
        if (entries_[i].jump) set_verdict(lay, raw, static_cast<int>(offset[*entries_[i].jump]));
        std::memset(raw.data() + lay.counters, 0, sizeof(xt_counters));
        std::memset(raw.data() + lay.comefrom, 0, sizeof(unsigned int));
        std::memcpy(out + offset[i], raw.data(), raw.size());
    }
    if (::setsockopt(fd, api.level, api.set_replace, buf.data(), static_cast<socklen_t>(buf.size())) != 0) {
        if (errno == EAGAIN) return false;
        throw_errno("setsockopt(SO_SET_REPLACE) of " + table_where(fam_, name_));
    }
    // The kernel starts the new table at zero and hands back the old one's counters: give the kept
    // entries theirs again.
    bytes add(sizeof(xt_counters_info) + entries_.size() * sizeof(xt_counters), 0);
    auto* info = reinterpret_cast<xt_counters_info*>(add.data());
    std::memcpy(info->name, name_.data(), name_.size());
    info->num_counters = static_cast<unsigned>(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].old_index) info->counters[i] = old[*entries_[i].old_index];
    if (::setsockopt(fd, api.level, api.set_add_counters, add.data(), static_cast<socklen_t>(add.size())) != 0)
        throw_errno("setsockopt(SO_SET_ADD_COUNTERS) of " + table_where(fam_, name_));
    return true;
}

entry accept_rule(const rule_spec& spec) {
    const net::family f = (spec.source ? spec.source : spec.destination)->fam();
    std::vector<bytes> matches;
    if (spec.related_established) matches.push_back(conntrack_related_established());
    if (!spec.comment.empty()) matches.push_back(comment_match(spec.comment));
    return make_entry(f, entry_header(f, spec.source, spec.destination), matches, standard_target(-NF_ACCEPT - 1));
}

entry jump_rule(net::family f, const std::string& comment, std::size_t target) {
    entry e = make_entry(f, entry_header(f, {}, {}), {comment_match(comment)}, standard_target(0));
    e.jump = target;
    return e;
}

table read_once(net::family f, const std::string& name) {
    const unique_fd fd = raw_socket(f);
    return table::read(fd.get(), f, name);
}

void edit(net::family f, const std::string& name, const std::function<bool(table&)>& change) {
    const unique_fd fd = raw_socket(f);
    for (int attempt = 0;; ++attempt) {
        table t = table::read(fd.get(), f, name);
        if (!change(t) || t.write(fd.get())) return;
        if (attempt == 10) throw os_error(EAGAIN, "setsockopt(SO_SET_REPLACE) of " + table_where(f, name));
    }
}

}  // namespace wharf::firewall::legacy
