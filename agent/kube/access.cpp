#include "kube/access.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/base64.hpp"
#include "base/trim.hpp"

namespace wharf::kube {

namespace {

std::string read_file(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error("cannot read " + what + " " + path);
    std::stringstream s;
    s << in.rdbuf();
    if (in.bad()) throw config_error("cannot read " + what + " " + path);
    return s.str();
}

// `relative` resolved against the directory of `base_file`; an absolute path stays as it is.
std::string resolve(const std::string& base_file, const std::string& relative) {
    const std::filesystem::path p(relative);
    if (p.is_absolute()) return relative;
    return (std::filesystem::path(base_file).parent_path() / p).lexically_normal().string();
}

std::string scalar(const YAML::Node& map, const char* key) {
    const YAML::Node v = map[key];
    if (!v || v.IsNull()) return {};
    if (!v.IsScalar()) throw YAML::Exception(v.Mark(), std::string(key) + " is not a string");
    return v.as<std::string>();
}

// The `name`d entry of a kubeconfig list (clusters, users, contexts): its inner map under `field`.
YAML::Node named_entry(const YAML::Node& root, const std::string& path, const char* list, const std::string& name,
                       const char* field) {
    const YAML::Node entries = root[list];
    if (entries && entries.IsSequence()) {
        for (const auto& e : entries) {
            if (e.IsMap() && scalar(e, "name") == name) {
                const YAML::Node inner = e[field];
                if (!inner || !inner.IsMap()) throw config_error(path + ": " + list + " entry \"" + name + "\" has no " + field);
                return inner;
            }
        }
    }
    throw config_error(path + ": no entry named \"" + name + "\" in " + list);
}

// yaml-cpp's own DecodeBase64 (0.7) reads outside its table for bytes above 127 (found by
// fuzz_kubeconfig): the project's decoder refuses them.
std::string decode_base64(const std::string& text, const std::string& path, const char* key) {
    std::string compact;
    for (char c : text)
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
    auto bytes = base64_decode(compact);
    if (!bytes || bytes->empty()) throw config_error(path + ": " + key + " is not valid base64");
    return std::move(*bytes);
}

api_access access_from(const YAML::Node& root, const std::string& path) {
    if (!root.IsMap()) throw config_error(path + ": not a kubeconfig (no top-level map)");
    const std::string context_name = scalar(root, "current-context");
    if (context_name.empty()) throw config_error(path + ": missing key current-context");
    const YAML::Node context = named_entry(root, path, "contexts", context_name, "context");
    const std::string cluster_name = scalar(context, "cluster");
    if (cluster_name.empty()) throw config_error(path + ": context \"" + context_name + "\" has no key cluster");
    const YAML::Node cluster = named_entry(root, path, "clusters", cluster_name, "cluster");

    api_access a;
    a.server = scalar(cluster, "server");
    if (a.server.empty()) throw config_error(path + ": cluster \"" + cluster_name + "\" has no key server");
    if (a.server.rfind("https://", 0) != 0)
        throw config_error(path + ": cluster \"" + cluster_name + "\" server " + a.server + " is not https://");
    if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>())
        throw config_error(path + ": cluster \"" + cluster_name + "\" sets insecure-skip-tls-verify, which wharfd refuses");
    if (const std::string data = scalar(cluster, "certificate-authority-data"); !data.empty())
        a.ca_pem = decode_base64(data, path, "certificate-authority-data");
    else if (const std::string file = scalar(cluster, "certificate-authority"); !file.empty())
        a.ca_file = resolve(path, file);

    const std::string user_name = scalar(context, "user");
    if (user_name.empty()) throw config_error(path + ": context \"" + context_name + "\" has no key user");
    const YAML::Node user = named_entry(root, path, "users", user_name, "user");
    for (const char* unsupported : {"client-certificate", "client-certificate-data", "client-key", "client-key-data",
                                    "exec", "auth-provider", "username"}) {
        if (user[unsupported])
            throw config_error(path + ": user \"" + user_name + "\" uses " + unsupported +
                               ", which wharfd does not support (give it a bearer token: token or tokenFile)");
    }
    a.token = scalar(user, "token");
    if (const std::string file = scalar(user, "tokenFile"); !file.empty()) a.token_file = resolve(path, file);
    if (a.token.empty() && !a.token_file.empty()) a.token = read_token_file(a.token_file);
    if (a.token.empty()) throw config_error(path + ": user \"" + user_name + "\" has no key token or tokenFile");
    return a;
}

}  // namespace

std::string read_token_file(const std::string& path) {
    std::string token = trim(read_file(path, "token file"));
    if (token.empty()) throw config_error("token file " + path + " is empty");
    return token;
}

api_access load_kubeconfig(const std::string& path) { return parse_kubeconfig(read_file(path, "kubeconfig"), path); }

api_access parse_kubeconfig(const std::string& text, const std::string& path) {
    try {
        return access_from(YAML::Load(text), path);
    } catch (const YAML::Exception& e) {
        throw config_error(path + ": " + e.what());
    }
}

api_access in_cluster(const std::string& root) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port)
        throw config_error("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");
    const std::string h = host;
    api_access a;
    a.server = "https://" + (h.find(':') != std::string::npos && h.front() != '[' ? "[" + h + "]" : h) + ":" + port;
    a.ca_file = root + "/ca.crt";
    if (!std::filesystem::exists(a.ca_file)) throw config_error("service account CA " + a.ca_file + " does not exist");
    a.token_file = root + "/token";
    a.token = read_token_file(a.token_file);
    return a;
}

}  // namespace wharf::kube
