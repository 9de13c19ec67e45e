#include "conditions.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <sstream>

#include "cni/env.hpp"
#include "cni/error.hpp"

namespace wharf::portmap {

namespace {

[[noreturn]] void unsupported(const std::string& key, const std::string& text, const std::string& why) {
    throw cni::error(cni::code::unsupported_field, key + ": cannot express the condition \"" + text + "\"",
                     why + "; Wharf supports \"ip saddr|daddr [!=] <address or prefix>\", the same with ip6, "
                           "and \"iifname [!=] <name>\"");
}

std::vector<std::string> tokens_of(const std::vector<std::string>& strings) {
    std::string joined;
    for (const auto& s : strings) joined += s + " ";
    std::istringstream in(joined);
    std::vector<std::string> out;
    for (std::string t; in >> t;) out.push_back(t);
    return out;
}

std::string join(const std::vector<std::string>& tokens, std::size_t from, std::size_t to) {
    to = std::min(to, tokens.size());
    if (from >= to) return {};
    return fmt::format("{}", fmt::join(tokens.begin() + static_cast<std::ptrdiff_t>(from),
                                       tokens.begin() + static_cast<std::ptrdiff_t>(to), " "));
}

}  // namespace

std::vector<condition> parse_conditions(const std::vector<std::string>& strings, net::family f, const std::string& key) {
    const std::vector<std::string> t = tokens_of(strings);
    const std::string family_word = f == net::family::v4 ? "ip" : "ip6";
    std::vector<condition> out;
    std::size_t i = 0;
    while (i < t.size()) {
        const std::size_t start = i;
        condition c;
        if (t[i] == "ip" || t[i] == "ip6") {
            if (t[i] != family_word) unsupported(key, join(t, start, i + 3), "\"" + t[i] + "\" matches the other family");
            if (i + 1 >= t.size() || (t[i + 1] != "saddr" && t[i + 1] != "daddr"))
                unsupported(key, join(t, start, i + 2), "only saddr and daddr can follow \"" + t[i] + "\"");
            c.what = t[i + 1] == "saddr" ? condition::kind::saddr : condition::kind::daddr;
            i += 2;
        } else if (t[i] == "iifname") {
            c.what = condition::kind::iifname;
            i += 1;
        } else {
            unsupported(key, join(t, start, t.size()), "\"" + t[i] + "\" is not a match Wharf knows");
        }
        if (i < t.size() && (t[i] == "!=" || t[i] == "==" || t[i] == "eq" || t[i] == "ne")) {
            c.negate = t[i] == "!=" || t[i] == "ne";
            ++i;
        }
        if (i >= t.size()) unsupported(key, join(t, start, i), "the value is missing");
        const std::string& value = t[i++];
        c.text = join(t, start, i);
        if (c.what == condition::kind::iifname) {
            std::string name = value;
            if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
            if (auto why = cni::interface_name_problem(name); !why.empty() || name.find_first_of("{}*,") != std::string::npos)
                unsupported(key, c.text, "\"" + name + "\" is not one interface name" + (why.empty() ? "" : ": " + why));
            c.ifname = name;
        } else {
            std::optional<net::prefix> p = net::prefix::parse(value);
            if (!p) {
                if (auto a = net::ip_address::parse(value)) p = net::prefix(*a, a->bits());
            }
            if (!p) unsupported(key, c.text, "\"" + value + "\" is not an address or a prefix");
            if (p->fam() != f) unsupported(key, c.text, "\"" + value + "\" is of the other family");
            c.address = p->canonical();
        }
        out.push_back(std::move(c));
    }
    return out;
}

void apply(nft::rule& r, const std::vector<condition>& conditions) {
    for (const auto& c : conditions) {
        const nft::cmp_op op = c.negate ? nft::cmp_op::neq : nft::cmp_op::eq;
        switch (c.what) {
        case condition::kind::saddr: r.match_saddr(c.address, op); break;
        case condition::kind::daddr: r.match_daddr(c.address, op); break;
        case condition::kind::iifname: r.match_iifname(c.ifname, op); break;
        }
    }
}

}  // namespace wharf::portmap
