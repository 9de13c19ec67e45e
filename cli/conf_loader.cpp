#include "cli/conf_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/failure.hpp"
#include "cni/json_field.hpp"
#include "cni/version.hpp"

namespace wharf::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> files_with(const std::string& dir, std::initializer_list<const char*> extensions) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) return out;
        throw failure(exit_code::failed, "read configuration directory \"" + dir + "\": " + ec.message());
    }
    for (const auto& entry : it) {
        if (entry.is_directory(ec)) continue;
        std::string ext = entry.path().extension().string();
        if (std::find_if(extensions.begin(), extensions.end(), [&](const char* e) { return ext == e; }) != extensions.end())
            out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw failure(exit_code::failed, "read \"" + path + "\": cannot open it");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

[[noreturn]] void bad(const std::string& file, const std::string& what) {
    throw failure(exit_code::invalid_config, "error parsing configuration list \"" + file + "\": " + what,
                  "fix the file or move it out of the configuration directory");
}

bool read_bool(const json& doc, const char* key, const std::string& file) {
    auto it = doc.find(key);
    if (it == doc.end()) return false;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_string()) {
        std::string s = it->get<std::string>();
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (s == "true") return true;
        if (s == "false") return false;
        bad(file, std::string("invalid value \"") + s + "\" for " + key);
    }
    bad(file, std::string("invalid type for ") + key);
}

// "cniVersions": the highest listed version that is not newer than what we implement.
std::string pick_version(const json& doc, std::string version, const std::string& file) {
    auto it = doc.find("cniVersions");
    if (it == doc.end()) return version;
    if (!it->is_array()) bad(file, "invalid type for cniVersions");
    auto latest = *cni::parse_semver(cni::latest_version);
    std::vector<std::string> candidates;
    for (const auto& v : *it) {
        if (!v.is_string()) bad(file, "invalid type for a cniVersions entry");
        auto sv = cni::parse_semver(v.get<std::string>());
        if (!sv) bad(file, "invalid cniVersions entry \"" + v.get<std::string>() + "\"");
        if (*sv <= latest) candidates.push_back(v.get<std::string>());
    }
    if (!version.empty()) {
        auto sv = cni::parse_semver(version);
        if (!sv) bad(file, "invalid cniVersion \"" + version + "\"");
        if (*sv <= latest) candidates.push_back(version);
    }
    if (candidates.empty()) return version;
    return *std::max_element(candidates.begin(), candidates.end(),
                             [](const std::string& a, const std::string& b) { return *cni::parse_semver(a) < *cni::parse_semver(b); });
}

void check_plugin(const json& plugin, const std::string& file, std::size_t index) {
    if (!plugin.is_object()) bad(file, "plugin " + std::to_string(index) + " is not an object");
    if (plugin_type(plugin).empty()) bad(file, "plugin " + std::to_string(index) + ": missing 'type'");
}

json parse_json(const std::string& bytes, const std::string& file) {
    json doc = json::parse(bytes, nullptr, false);
    if (doc.is_discarded()) bad(file, "not valid JSON");
    if (!doc.is_object()) bad(file, "not a JSON object");
    return doc;
}

// libcni's NetworkPluginConfsFromFiles: <dir>/<name>/*.conf, each one plugin.
std::vector<json> plugins_from_directory(const std::string& dir, const std::string& name) {
    std::vector<json> out;
    for (const auto& f : files_with(dir + "/" + name, {".conf"})) {
        json p = parse_json(read_file(f), f);
        check_plugin(p, f, 0);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

std::string plugin_type(const json& plugin) {
    const json* t = cni::find_value(plugin, "type");
    return t && t->is_string() ? t->get<std::string>() : std::string();
}

json plugin_capabilities(const json& plugin) {
    const json* c = cni::find_value(plugin, "capabilities");
    return c && c->is_object() ? *c : json::object();
}

std::string bridge_of(const network_list& list) {
    for (const auto& p : list.plugins)
        if (plugin_type(p) == "bridge") {
            // As the bridge plugin reads it: absent or null is cni0; any other non-string it refuses.
            auto it = p.find("bridge");
            if (it == p.end() || it->is_null()) return "cni0";
            return it->is_string() ? it->get<std::string>() : std::string();
        }
    return {};
}

json subnets_of(const network_list& list) {
    json out = json::array();
    for (const auto& p : list.plugins) {
        json ipam = p.value("ipam", json::object());
        if (ipam.contains("subnet")) out.push_back(ipam["subnet"]);
        for (const auto& set : ipam.value("ranges", json::array()))
            for (const auto& r : set)
                if (r.contains("subnet")) out.push_back(r["subnet"]);
    }
    return out;
}

network_list parse_conflist(const std::string& bytes, const std::string& file) {
    json doc = parse_json(bytes, file);
    network_list list;
    list.file = file;
    list.bytes = bytes;
    auto name = doc.find("name");
    if (name == doc.end()) bad(file, "no name");
    if (!name->is_string()) bad(file, "invalid name type");
    list.name = name->get<std::string>();
    if (auto v = doc.find("cniVersion"); v != doc.end()) {
        if (!v->is_string()) bad(file, "invalid cniVersion type");
        list.cni_version = v->get<std::string>();
    }
    list.cni_version = pick_version(doc, list.cni_version, file);
    list.disable_check = read_bool(doc, "disableCheck", file);
    list.disable_gc = read_bool(doc, "disableGC", file);
    bool inlined_only = read_bool(doc, "loadOnlyInlinedPlugins", file);
    auto plugins = doc.find("plugins");
    if (plugins == doc.end()) {
        if (inlined_only) bad(file, "`loadOnlyInlinedPlugins` is true, and no 'plugins' key");
    } else {
        if (!plugins->is_array()) bad(file, "invalid 'plugins' type");
        if (plugins->empty()) bad(file, "no plugins in list");
        for (std::size_t i = 0; i < plugins->size(); ++i) {
            check_plugin((*plugins)[i], file, i);
            list.plugins.push_back((*plugins)[i]);
        }
    }
    if (!inlined_only && !file.empty()) {
        auto extra = plugins_from_directory(fs::path(file).parent_path().string(), list.name);
        list.plugins.insert(list.plugins.end(), extra.begin(), extra.end());
    }
    if (list.plugins.empty()) bad(file, "no plugin configs found");
    return list;
}

network_list parse_single_conf(const std::string& bytes, const std::string& file) {
    json doc = parse_json(bytes, file);
    check_plugin(doc, file, 0);
    network_list list;
    list.file = file;
    // As libcni decodes it (into a Go string): absent or null is "", any other non-string refused.
    if (auto name = doc.find("name"); name != doc.end() && !name->is_null()) {
        if (!name->is_string()) bad(file, "invalid name type");
        list.name = name->get<std::string>();
    }
    if (doc.contains("cniVersion") && doc["cniVersion"].is_string()) list.cni_version = doc["cniVersion"].get<std::string>();
    list.plugins.push_back(doc);
    // libcni re-serialises the wrapper with sorted keys; nlohmann's object map sorts the same way.
    list.bytes = json{{"cniVersion", list.cni_version}, {"name", list.name}, {"plugins", json::array({doc})}}.dump();
    return list;
}

std::vector<std::string> config_files(const std::string& dir) {
    auto lists = files_with(dir, {".conflist"});
    auto singles = files_with(dir, {".conf", ".json"});
    lists.insert(lists.end(), singles.begin(), singles.end());
    return lists;
}

network_list load_network(const std::string& dir, const std::string& name) {
    auto lists = files_with(dir, {".conflist"});
    for (const auto& f : lists) {
        auto list = parse_conflist(read_file(f), f);
        if (list.name == name) return list;
    }
    auto singles = files_with(dir, {".conf", ".json"});
    for (const auto& f : singles) {
        auto list = parse_single_conf(read_file(f), f);
        if (list.name == name) return list;
    }
    if (lists.empty() && singles.empty())
        throw failure(exit_code::not_found, "no net configurations found in " + dir,
                      "put a .conflist there, or point NETCONFPATH at a directory that has one");
    throw failure(exit_code::not_found, "no net configuration with name \"" + name + "\" in " + dir,
                  "`wharf net ls` lists the networks defined there");
}

std::vector<conf_entry> load_all(const std::string& dir) {
    std::vector<conf_entry> out;
    std::vector<std::string> seen;
    for (const auto& f : config_files(dir)) {
        conf_entry e{.file = f};
        try {
            bool is_list = fs::path(f).extension() == ".conflist";
            e.list = is_list ? parse_conflist(read_file(f), f) : parse_single_conf(read_file(f), f);
            e.shadowed = std::find(seen.begin(), seen.end(), e.list->name) != seen.end();
            seen.push_back(e.list->name);
        } catch (const failure& err) {
            e.problem = err.what();
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace wharf::cli
