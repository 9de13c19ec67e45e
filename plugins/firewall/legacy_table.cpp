#include "legacy_table.hpp"

#include <errno.h>
#include <netinet/in.h>  // before the linux/ headers: they then leave in_addr and IPPROTO_* to glibc
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"

namespace wharf::firewall::legacy {

namespace {

constexpr std::array<const char*, NF_INET_NUMHOOKS> hook_names = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT",
                                                                   "POSTROUTING"};

const ipt_entry& header(const entry& e) { return *reinterpret_cast<const ipt_entry*>(e.raw.data()); }
const xt_entry_target& target_of(const entry& e) {
    return *reinterpret_cast<const xt_entry_target*>(e.raw.data() + header(e).target_offset);
}
bool is_standard(const entry& e) { return target_of(e).u.user.name[0] == '\0'; }
int standard_verdict(const entry& e) {
    int v = 0;
    std::memcpy(&v, e.raw.data() + header(e).target_offset + sizeof(xt_entry_target), sizeof v);
    return v;
}
void set_verdict(bytes& raw, int v) {
    const auto& h = *reinterpret_cast<const ipt_entry*>(raw.data());
    std::memcpy(raw.data() + h.target_offset + sizeof(xt_entry_target), &v, sizeof v);
}

unique_fd raw_socket() {
    unique_fd fd{::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)};
    if (!fd) throw_errno("socket(AF_INET, SOCK_RAW) for iptables-legacy");
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

entry make_entry(const ipt_ip& ip, const std::vector<bytes>& matches, const bytes& target) {
    ipt_entry h{};
    h.ip = ip;
    std::size_t off = sizeof h;
    for (const auto& m : matches) off += m.size();
    h.target_offset = static_cast<std::uint16_t>(off);
    h.next_offset = static_cast<std::uint16_t>(off + target.size());
    entry e;
    e.raw.resize(h.next_offset);
    std::memcpy(e.raw.data(), &h, sizeof h);
    std::size_t at = sizeof h;
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

std::string table_where(const std::string& name) { return "iptables-legacy table " + name; }

}  // namespace

table table::read(int fd, const std::string& name) {
    ipt_getinfo info{};
    if (name.size() >= sizeof info.name) throw std::invalid_argument("x_tables table name too long: " + name);
    std::memcpy(info.name, name.data(), name.size());
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) != 0)
        throw_errno("getsockopt(IPT_SO_GET_INFO) of " + table_where(name));
    bytes buf(sizeof(ipt_get_entries) + info.size, 0);
    auto* get = reinterpret_cast<ipt_get_entries*>(buf.data());
    std::memcpy(get->name, info.name, sizeof get->name);
    get->size = info.size;
    len = static_cast<socklen_t>(buf.size());
    if (::getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, buf.data(), &len) != 0)
        throw_errno("getsockopt(IPT_SO_GET_ENTRIES) of " + table_where(name));

    table t;
    t.name_ = name;
    t.valid_hooks_ = info.valid_hooks;
    t.hook_entry_.resize(NF_INET_NUMHOOKS);
    t.underflow_.resize(NF_INET_NUMHOOKS);
    std::map<std::size_t, std::size_t> index_at;  // byte offset -> entry index
    const std::uint8_t* base = buf.data() + sizeof(ipt_get_entries);
    for (std::size_t off = 0; off < info.size;) {
        const auto* h = reinterpret_cast<const ipt_entry*>(base + off);
        if (h->next_offset < sizeof(ipt_entry) || off + h->next_offset > info.size ||
            h->target_offset + sizeof(xt_entry_target) > h->next_offset)
            throw std::runtime_error(table_where(name) + ": malformed entry at offset " + std::to_string(off));
        index_at[off] = t.entries_.size();
        t.entries_.push_back(entry{.raw = bytes(base + off, base + off + h->next_offset),
                                   .jump = std::nullopt,
                                   .old_index = t.entries_.size()});
        off += h->next_offset;
    }
    auto index_of = [&](std::size_t off) {
        const auto it = index_at.find(off);
        if (it == index_at.end())
            throw std::runtime_error(table_where(name) + ": offset " + std::to_string(off) + " is no entry's");
        return it->second;
    };
    for (auto& e : t.entries_)
        if (is_standard(e) && standard_verdict(e) >= 0) e.jump = index_of(static_cast<std::size_t>(standard_verdict(e)));
    for (unsigned h = 0; h < NF_INET_NUMHOOKS; ++h)
        if (info.valid_hooks & (1u << h)) {
            t.hook_entry_[h] = index_of(info.hook_entry[h]);
            t.underflow_[h] = index_of(info.underflow[h]);
        }
    t.old_count_ = t.entries_.size();
    if (t.old_count_ != info.num_entries) throw std::runtime_error(table_where(name) + ": entry count mismatch");
    return t;
}

bool table::is_error(std::size_t i) const { return std::strcmp(target_of(entries_[i]).u.user.name, XT_ERROR_TARGET) == 0; }

std::string table::error_name(std::size_t i) const {
    const auto& t = reinterpret_cast<const xt_error_target&>(target_of(entries_[i]));
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

int table::verdict(std::size_t i) const { return is_standard(entries_[i]) ? standard_verdict(entries_[i]) : 0; }

std::string table::comment(std::size_t i) const {
    const auto& e = entries_[i];
    for (std::size_t off = sizeof(ipt_entry); off + sizeof(xt_entry_match) <= header(e).target_offset;) {
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
    insert(at, make_entry(ipt_ip{}, {}, target));
    insert(at + 1, make_entry(ipt_ip{}, {}, standard_target(XT_RETURN)));
}

bool table::write(int fd) const {
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
        if (entries_[i].jump) set_verdict(raw, static_cast<int>(offset[*entries_[i].jump]));
        auto* h = reinterpret_cast<ipt_entry*>(raw.data());
        h->counters = xt_counters{};
        h->comefrom = 0;
        std::memcpy(out + offset[i], raw.data(), raw.size());
    }
    if (::setsockopt(fd, IPPROTO_IP, IPT_SO_SET_REPLACE, buf.data(), static_cast<socklen_t>(buf.size())) != 0) {
        if (errno == EAGAIN) return false;
        throw_errno("setsockopt(IPT_SO_SET_REPLACE) of " + table_where(name_));
    }
    // The kernel starts the new table at zero and hands back the old one's counters: give the kept
    // entries theirs again.
    bytes add(sizeof(xt_counters_info) + entries_.size() * sizeof(xt_counters), 0);
    auto* info = reinterpret_cast<xt_counters_info*>(add.data());
    std::memcpy(info->name, name_.data(), name_.size());
    info->num_counters = static_cast<unsigned>(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (entries_[i].old_index) info->counters[i] = old[*entries_[i].old_index];
    if (::setsockopt(fd, IPPROTO_IP, IPT_SO_SET_ADD_COUNTERS, add.data(), static_cast<socklen_t>(add.size())) != 0)
        throw_errno("setsockopt(IPT_SO_SET_ADD_COUNTERS) of " + table_where(name_));
    return true;
}

entry accept_rule(const rule_spec& spec) {
    ipt_ip ip{};
    if (spec.source) {
        ip.src.s_addr = *spec.source;
        ip.smsk.s_addr = 0xffffffffu;
    }
    if (spec.destination) {
        ip.dst.s_addr = *spec.destination;
        ip.dmsk.s_addr = 0xffffffffu;
    }
    std::vector<bytes> matches;
    if (spec.related_established) matches.push_back(conntrack_related_established());
    if (!spec.comment.empty()) matches.push_back(comment_match(spec.comment));
    return make_entry(ip, matches, standard_target(-NF_ACCEPT - 1));
}

entry jump_rule(const std::string& comment, std::size_t target) {
    entry e = make_entry(ipt_ip{}, {comment_match(comment)}, standard_target(0));
    e.jump = target;
    return e;
}

table read_once(const std::string& name) {
    const unique_fd fd = raw_socket();
    return table::read(fd.get(), name);
}

void edit(const std::string& name, const std::function<bool(table&)>& change) {
    const unique_fd fd = raw_socket();
    for (int attempt = 0;; ++attempt) {
        table t = table::read(fd.get(), name);
        if (!change(t) || t.write(fd.get())) return;
        if (attempt == 10) throw os_error(EAGAIN, "setsockopt(IPT_SO_SET_REPLACE) of " + table_where(name));
    }
}

}  // namespace wharf::firewall::legacy
