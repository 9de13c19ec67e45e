#include "support/kube_standin.hpp"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "json/json.hpp"
#include "support/sandbox.hpp"
#include "support/watch.hpp"

namespace wharf::test {

kube_standin::kube_standin(kube_standin_options options) {
    char tmpl[] = "/tmp/wka-kube-XXXXXX";
    if (!::mkdtemp(tmpl)) throw_errno("mkdtemp for the stand-in API server");
    dir_ = tmpl;
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(WHARF_SOURCE_DIR) + "/tests/kube/apiserver.py",
                                  "--dir",
                                  dir_,
                                  "--address",
                                  options.address,
                                  "--port",
                                  std::to_string(options.port),
                                  "--bookmark-ms",
                                  std::to_string(options.bookmark_interval.count())};
    for (const auto& ip : options.extra_ips) {
        argv.push_back("--san");
        argv.push_back(ip);
    }
    const std::string log = dir_ + "/server.log";
    try {
        process_ = std::make_unique<background_process>(argv, log, options.netns_path);
        using namespace std::chrono_literals;
        for (auto until = std::chrono::steady_clock::now() + 20s;;) {
            const std::string text = read_all(log);
            if (const auto at = text.find("ready "); at != std::string::npos && text.find('\n', at) != std::string::npos) {
                port_ = static_cast<unsigned>(std::stoul(text.substr(at + 6)));
                break;
            }
            if (!process_->running()) throw std::runtime_error("the stand-in API server exited: " + text);
            if (std::chrono::steady_clock::now() > until) throw std::runtime_error("the stand-in API server did not start: " + text);
            std::this_thread::sleep_for(20ms);
        }
    } catch (...) {
        process_.reset();
        run_shell("rm -rf '" + dir_ + "'");
        throw;
    }
    const bool v6 = options.address.find(':') != std::string::npos;
    server_ = "https://" + (v6 ? "[" + options.address + "]" : options.address) + ":" + std::to_string(port_);
}

kube_standin::~kube_standin() {
    process_.reset();
    run_shell("rm -rf '" + dir_ + "'");
}

std::string kube_standin::kubeconfig() const { return dir_ + "/kubeconfig"; }

kube::api_access kube_standin::access() const {
    kube::api_access a;
    a.server = server_;
    a.ca_file = dir_ + "/ca.crt";
    a.token_file = dir_ + "/token";
    a.token = kube::read_token_file(a.token_file);
    return a;
}

nlohmann::json kube_standin::control(const nlohmann::json& command) {
    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket for the stand-in's control");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = dir_ + "/control.sock";
    if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("control socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) throw_errno("connect " + path);
    const std::string line = command.dump() + "\n";
    for (size_t sent = 0; sent < line.size();) {
        const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0) throw_errno("send to " + path);
        sent += static_cast<size_t>(n);
    }
    std::string answer;
    char buffer[65536];
    while (answer.find('\n') == std::string::npos) {
        const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
        if (n < 0) throw_errno("recv from " + path);
        if (n == 0) throw std::runtime_error("the stand-in closed its control socket");
        answer.append(buffer, static_cast<size_t>(n));
    }
    auto reply = nlohmann::json::parse(answer);
    if (!reply.value("ok", false))
        throw std::runtime_error("stand-in command " + command.dump() + " failed: " + reply.value("error", std::string("?")));
    return reply;
}

void kube_standin::put_node(const nlohmann::json& node) { control({{"cmd", "put"}, {"nodes", nlohmann::json::array({node})}}); }
void kube_standin::put_nodes(const nlohmann::json& array) { control({{"cmd", "put"}, {"nodes", array}}); }
void kube_standin::delete_node(const std::string& name) { control({{"cmd", "delete"}, {"name", name}}); }
void kube_standin::compact() { control({{"cmd", "compact"}}); }
void kube_standin::close_watches() { control({{"cmd", "close_watches"}}); }
void kube_standin::hold_watches(bool on) { control({{"cmd", "hold"}, {"on", on}}); }
void kube_standin::fail_next(unsigned count, int status) { control({{"cmd", "fail"}, {"count", count}, {"status", status}}); }
nlohmann::json kube_standin::conditions(const std::string& node) { return control({{"cmd", "conditions"}, {"name", node}})["conditions"]; }
nlohmann::json kube_standin::counters() { return control({{"cmd", "counters"}})["counters"]; }
std::string kube_standin::resource_version() { return control({{"cmd", "counters"}})["resourceVersion"]; }
std::string kube_standin::advance(unsigned by) { return control({{"cmd", "advance"}, {"by", by}})["resourceVersion"]; }
void kube_standin::rotate_token() { control({{"cmd", "rotate_token"}}); }

nlohmann::json kube_standin::make_node(const std::string& name, std::vector<std::string> cidrs, std::vector<std::string> ips) {
    nlohmann::json node = {{"metadata", {{"name", name}}}, {"spec", nlohmann::json::object()}, {"status", nlohmann::json::object()}};
    if (!cidrs.empty()) {
        node["spec"]["podCIDR"] = cidrs.front();
        node["spec"]["podCIDRs"] = cidrs;
    }
    auto addresses = nlohmann::json::array();
    for (const auto& ip : ips) addresses.push_back({{"type", "InternalIP"}, {"address", ip}});
    addresses.push_back({{"type", "Hostname"}, {"address", name}});
    node["status"]["addresses"] = addresses;
    return node;
}

}  // namespace wharf::test
