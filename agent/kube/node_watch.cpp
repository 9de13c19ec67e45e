#include "kube/node_watch.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <utility>

#include "base/os_error.hpp"
#include "json/json.hpp"
#include "log/logging.hpp"

namespace wharf::kube {

namespace {

// A query parameter's value percent-encoded (a continue token is base64 with '=' and '/').
std::string query_escape(const std::string& value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string text_at(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const nlohmann::json& metadata_of(const nlohmann::json& j) {
    static const nlohmann::json none = nlohmann::json::object();
    if (!j.is_object()) return none;
    const auto it = j.find("metadata");
    return it != j.end() && it->is_object() ? *it : none;
}

bool same_nodes(const std::map<std::string, node>& a, const std::map<std::string, node>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const auto& x, const auto& y) { return x.first == y.first && same_network(x.second, y.second); });
}

}  // namespace

node_watch::node_watch(api_access access, node_watch_options options)
    : options_(options), api_(std::move(access), options.http), changed_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!changed_) throw_errno("eventfd for the node watch");
    if (options_.page_size == 0) options_.page_size = 500;
    thread_ = std::thread(&node_watch::run, this);
}

node_watch::~node_watch() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    api_.interrupt();
    thread_.join();
}

std::map<std::string, node> node_watch::snapshot() const {
    std::lock_guard lock(mutex_);
    return nodes_;
}

bool node_watch::synced() const {
    std::lock_guard lock(mutex_);
    return synced_;
}

std::string node_watch::resource_version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

void node_watch::signal() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(changed_.get(), &one, sizeof one);
}

bool node_watch::pause(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void node_watch::run() noexcept {
    std::minstd_rand random(std::random_device{}());
    std::chrono::milliseconds backoff = options_.backoff_initial;
    bool gone_before = false;  // the last attempt was a 410 too: back off rather than relist at once again
    for (;;) {
        std::chrono::milliseconds delay{0};
        std::chrono::milliseconds retry_after{0};
        try {
            if (need_relist_) {
                list();
                backoff = options_.backoff_initial;
                gone_before = false;
            }
            heard_ = false;
            watch();
            gone_before = false;
            if (heard_) {
                backoff = options_.backoff_initial;
                continue;
            }
            // A watch that ended without a single line (a server or proxy closing at once): not a
            // reason to hammer it.
            delay = backoff;
        } catch (const interrupted&) {
            return;
        } catch (const api_error& e) {
            if (e.status() == 410 && !gone_before) {
                log::info("kube: resourceVersion {} is too old ({}); listing the nodes again", resource_version(), e.message());
                need_relist_ = true;
                gone_before = true;
                continue;
            }
            if (e.status() == 410) need_relist_ = true;
            delay = backoff;
            retry_after = e.retry_after();
            log::warn("kube: node watch: {}; retrying in about {} ms", e.what(),
                      std::max(delay, std::chrono::milliseconds(retry_after)).count());
        } catch (const std::exception& e) {
            delay = backoff;
            log::warn("kube: node watch: {}; retrying in about {} ms", e.what(), delay.count());
        }
        // Jitter: somewhere in the upper half of the delay, so that many nodes do not retry in step.
        const auto half = delay.count() / 2;
        const auto jittered = std::chrono::milliseconds(half + std::uniform_int_distribution<long long>(0, half)(random));
        if (!pause(std::max({jittered, retry_after, std::chrono::milliseconds(1)}))) return;
        backoff = std::min(backoff * 2, options_.backoff_max);
    }
}

void node_watch::list() {
    std::map<std::string, node> nodes;
    std::string version, continue_token;
    do {
        std::string path = "/api/v1/nodes?limit=" + std::to_string(options_.page_size);
        if (!continue_token.empty()) path += "&continue=" + query_escape(continue_token);
        const auto page = nlohmann::json::parse(api_.get(path).body);
        const auto items = page.find("items");
        if (items != page.end() && items->is_array()) {
            for (const auto& item : *items) {
                try {
                    node n = parse_node(item);
                    std::string name = n.name;
                    nodes.insert_or_assign(std::move(name), std::move(n));
                } catch (const std::invalid_argument& e) {
                    log::warn("kube: node list: {}; skipped", e.what());
                }
            }
        }
        if (version.empty()) version = text_at(metadata_of(page), "resourceVersion");
        continue_token = text_at(metadata_of(page), "continue");
    } while (!continue_token.empty());
    if (version.empty()) throw std::runtime_error("the node list carried no resourceVersion");
    log::info("kube: listed {} nodes at resourceVersion {}", nodes.size(), version);
    replace(std::move(nodes), std::move(version));
    need_relist_ = false;
}

void node_watch::replace(std::map<std::string, node> nodes, std::string version) {
    std::lock_guard lock(mutex_);
    const bool changed = !synced_ || !same_nodes(nodes_, nodes);
    nodes_ = std::move(nodes);
    version_ = std::move(version);
    synced_ = true;
    if (changed) signal();
}

void node_watch::watch() {
    const std::string path = "/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=" +
                             query_escape(resource_version()) + "&timeoutSeconds=" + std::to_string(options_.watch_timeout.count());
    api_.watch(path, [this](std::string_view line) { return on_event(line); },
               options_.watch_timeout + std::chrono::seconds(30));
}

bool node_watch::on_event(std::string_view line) {
    nlohmann::json event;
    try {
        event = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
        log::warn("kube: node watch: a line that is not JSON ({}); ignored", e.what());
        return true;
    }
    heard_ = true;
    const std::string type = text_at(event, "type");
    const nlohmann::json& object = event.is_object() && event.contains("object") ? event["object"] : nlohmann::json();
    const std::string version = text_at(metadata_of(object), "resourceVersion");
    if (type == "ADDED" || type == "MODIFIED") {
        node n;
        try {
            n = parse_node(object);
        } catch (const std::invalid_argument& e) {
            log::warn("kube: node watch: {} in a {} event; skipped", e.what(), type);
            std::lock_guard lock(mutex_);
            if (!version.empty()) version_ = version;
            return true;
        }
        std::lock_guard lock(mutex_);
        const auto it = nodes_.find(n.name);
        const bool changed = it == nodes_.end() || !same_network(it->second, n);
        std::string name = n.name;
        nodes_.insert_or_assign(std::move(name), std::move(n));
        if (!version.empty()) version_ = version;
        if (changed) signal();
    } else if (type == "DELETED") {
        std::lock_guard lock(mutex_);
        const bool erased = nodes_.erase(text_at(metadata_of(object), "name")) > 0;
        if (!version.empty()) version_ = version;
        if (erased) signal();
    } else if (type == "BOOKMARK") {
        std::lock_guard lock(mutex_);
        if (!version.empty()) version_ = version;
    } else if (type == "ERROR") {
        const long code = object.is_object() && object.contains("code") && object["code"].is_number_integer()
                              ? object["code"].get<long>()
                              : 0;
        throw api_error(code, text_at(object, "message"));
    } else {
        log::warn("kube: node watch: an event of unknown type \"{}\"; ignored", type);
    }
    return true;
}

}  // namespace wharf::kube
