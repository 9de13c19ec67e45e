#include "sysctl_key.hpp"

#include <set>
#include <stdexcept>
#include <vector>

#include "cni/json_field.hpp"
#include "json/json.hpp"

namespace wharf::tuning {

namespace {

constexpr std::string_view ifname_marker = "IFNAME";

constexpr std::string_view separators = "./";
bool is_separator(char c) { return separators.find(c) != std::string_view::npos; }

// The parts of `text` between any of `separators`, empty ones included.
std::vector<std::string_view> split(std::string_view text, std::string_view separators) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || separators.find(text[i]) != std::string_view::npos) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

std::string path_problem(const std::vector<std::string_view>& parts) {
    if (parts.empty() || parts.front() != "net") return "does not start with \"net\"";
    if (parts.size() < 2) return "names no parameter under net";
    for (auto p : parts) {
        if (p.empty()) return "has an empty part";
        if (p == "." || p == "..") return "has a part \"" + std::string(p) + "\"";
        for (char c : p) {
            auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f || c == ' ') return "holds white space or a control character";
        }
    }
    return {};
}

// Finds duplicated keys in the objects at the paths the tuning config reads sysctls from.
class duplicate_finder : public nlohmann::json_sax<nlohmann::json> {
public:
    std::optional<std::string> duplicate;

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override { return open(true); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        frame& top = frames_.back();
        top.key = k;
        if (top.watched && !top.seen.insert(k).second) {
            duplicate = k;
            return false;  // stops the parse: one is enough
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    struct frame {
        bool object = false;
        bool on_path = false;  // reached through object keys only
        std::vector<std::string> path;
        std::string key;       // the key whose value comes next
        bool watched = false;
        std::set<std::string> seen;
    };
    std::vector<frame> frames_;

    static bool path_is(const std::vector<std::string>& path, std::initializer_list<std::string_view> want) {
        if (path.size() != want.size()) return false;
        std::size_t i = 0;
        for (auto w : want)
            if (!cni::equal_fold(path[i++], w)) return false;
        return true;
    }

    bool open(bool object) {
        frame f;
        f.object = object;
        if (frames_.empty()) {
            f.on_path = true;
        } else if (const frame& parent = frames_.back(); parent.object && parent.on_path) {
            f.on_path = true;
            f.path = parent.path;
            f.path.push_back(parent.key);
        }
        f.watched = object && f.on_path && (path_is(f.path, {"sysctl"}) || path_is(f.path, {"args", "cni", "sysctl"}));
        frames_.push_back(std::move(f));
        return true;
    }
    bool close() {
        frames_.pop_back();
        return true;
    }
    static bool value() { return true; }
};

}  // namespace

std::string sysctl_key_problem(std::string_view key) {
    if (key.find("..") != std::string_view::npos) return "holds \"..\"";
    return path_problem(split(key, separators));
}

std::string sysctl_path(std::string_view key, std::string_view ifname) {
    std::string replaced(key);
    if (auto at = replaced.find(ifname_marker); at != std::string::npos) replaced.replace(at, ifname_marker.size(), ifname);
    // The separators are those of the key as written: an interface name's dots are not separators.
    std::string path;
    const std::size_t marker_at = key.find(ifname_marker);
    for (std::size_t i = 0; i < replaced.size(); ++i) {
        const bool inside_ifname =
            marker_at != std::string_view::npos && i >= marker_at && i < marker_at + ifname.size();
        path += !inside_ifname && is_separator(replaced[i]) ? '/' : replaced[i];
    }
    if (auto why = path_problem(split(path, "/")); !why.empty())
        throw std::invalid_argument("sysctl key \"" + std::string(key) + "\" for interface \"" + std::string(ifname) +
                                    "\" " + why);
    return path;
}

std::optional<std::string> duplicate_sysctl_key(std::string_view stdin_data) {
    duplicate_finder finder;
    nlohmann::json::sax_parse(stdin_data.begin(), stdin_data.end(), &finder, nlohmann::json::input_format_t::json, false);
    return finder.duplicate;
}

}  // namespace wharf::tuning
