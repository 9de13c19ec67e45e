#include "containerd_instance.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/background_process.hpp"
#include "support/sandbox.hpp"

namespace wharf::test {

namespace {

using namespace std::chrono_literals;

constexpr const char* containerd_binary = "/usr/bin/containerd";
constexpr const char* shim_dir_name = "io.containerd.runtime.v2.task";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("write " + path + " failed");
}

bool exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    return out;
}

// The NUL-separated command line of a live, non-zombie process; empty when it is gone.
std::string cmdline_of(pid_t pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= stat.size() || stat[close_paren + 2] == 'Z') return {};
    return read_file("/proc/" + std::to_string(pid) + "/cmdline");
}

std::vector<std::string> split_nul(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\0', pos);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

pid_t read_pid_file(const std::string& path) {
    std::string text = read_file(path);
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    return v > 1 && end != text.c_str() ? static_cast<pid_t>(v) : -1;
}

// A condition start-up waits out (as opposed to a failure, which ends the wait).
struct not_yet : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string tail(const std::string& text, std::size_t lines) {
    std::size_t pos = text.size();
    for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string::npos) return text;
    }
    return text.substr(pos + 1);
}

// Removes a cgroup directory and the ones below it (rmdir only: a cgroup's files go with it).
void remove_cgroup_tree(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
    for (const auto& n : list_dir(path)) {
        std::string sub = path + "/" + n;
        if (::lstat(sub.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) remove_cgroup_tree(sub);
    }
    ::rmdir(path.c_str());
}

}  // namespace

containerd_instance::containerd_instance(containerd_options options) : options_(std::move(options)) {
    std::string tmpl = "/tmp/wharf-cri-" + std::to_string(::getpid()) + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
    dir_ = tmpl;
    cgroup_parent_ = "/" + dir_.substr(dir_.rfind('/') + 1);
    for (const char* sub : {"/root", "/state", "/tmp", "/cni-conf", "/pods"}) ::mkdir((dir_ + sub).c_str(), 0700);
    run_containerd_existed_ = exists("/run/containerd");
    var_lib_cni_existed_ = exists("/var/lib/cni");
    write_config();
}

containerd_instance::~containerd_instance() { cleanup(); }

std::string containerd_instance::sandbox_image() const { return WHARF_CRI_PAUSE_IMAGE; }

void containerd_instance::write_config() const {
    // containerd 1.6 (config version 2). Plugins that would use the host's paths or devices are off;
    // io.containerd.internal.v1.opt would make /opt/containerd. The tasks service needs the v1 linux
    // runtime loaded even though only runc.v2 is used.
    const std::string& d = dir_;
    std::ostringstream c;
    c << "version = 2\n"
      << "root = \"" << d << "/root\"\n"
      << "state = \"" << d << "/state\"\n"
      << "temp = \"" << d << "/tmp\"\n"
      << "disabled_plugins = [\"io.containerd.internal.v1.opt\", \"io.containerd.snapshotter.v1.aufs\", "
         "\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.devmapper\", "
         "\"io.containerd.snapshotter.v1.zfs\", \"io.containerd.internal.v1.tracing\", "
         "\"io.containerd.tracing.processor.v1.otlp\"]\n"
      << "[grpc]\n  address = \"" << d << "/containerd.sock\"\n"
      << "[ttrpc]\n  address = \"" << d << "/containerd.sock.ttrpc\"\n"
      << "[debug]\n  level = \"debug\"\n"
      << "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
      << "  sandbox_image = \"" << sandbox_image() << "\"\n"
      << "  netns_mounts_under_state_dir = true\n"
      << "  stream_server_address = \"127.0.0.1\"\n"
      << "  stream_server_port = \"0\"\n"
      << "  enable_selinux = false\n"
      << "  disable_apparmor = true\n"
      // A sandbox asks for oom_score_adj -998, which needs CAP_SYS_RESOURCE; a machine (or CI
      // container) without it fails runc's init. Restricted, CRI never goes below containerd's own.
      << "  restrict_oom_score_adj = true\n"
      << "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
      << "    snapshotter = \"" << options_.snapshotter << "\"\n"
      << "    default_runtime_name = \"runc\"\n"
      << "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
      << "      runtime_type = \"io.containerd.runc.v2\"\n"
      << "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
      << "        Root = \"" << d << "/runc\"\n"
      << "        SystemdCgroup = false\n"
      << "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
      << "    bin_dir = \"" << options_.cni_bin_dir << "\"\n"
      << "    conf_dir = \"" << d << "/cni-conf\"\n"
      << "    max_conf_num = 1\n"
      << "  [plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
      << "    config_path = \"" << d << "/certs.d\"\n";
    write_file(d + "/config.toml", c.str());
}

void containerd_instance::write_cni_config(const std::string& file_name, const std::string& text) {
    write_file(dir_ + "/cni-conf/" + file_name, text);
}

void containerd_instance::start() {
    if (running()) throw std::logic_error("containerd is already running");
    // Everything the child needs is made before fork(): the test process has gRPC threads.
    int ns_fd = ::open(options_.host_netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) throw std::runtime_error("open " + options_.host_netns + ": " + std::strerror(errno));
    const std::string log_path = dir_ + "/containerd.log";
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) {
        ::close(ns_fd);
        throw std::runtime_error("open " + log_path + ": " + std::strerror(errno));
    }
    std::string bin = containerd_binary, config_flag = "--config", config = dir_ + "/config.toml";
    char* argv[] = {bin.data(), config_flag.data(), config.data(), nullptr};
    // containerd's environment is the plugins' (libcni adds CNI_* to it): the test's, with a PATH that
    // has runc, the shim and, for the reference portmap, iptables.
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "PATH=", 5) != 0) env.emplace_back(*e);
    env.emplace_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    std::vector<char*> envp;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        if (::setns(ns_fd, CLONE_NEWNET) != 0) ::_exit(126);
        ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::setsid();  // signals to the test's process group do not reach it
        ::execve(bin.c_str(), argv, envp.data());
        ::_exit(127);
    }
    ::close(ns_fd);
    ::close(log_fd);
    ::close(null_fd);
    pid_ = pid;
    wait_ready();
}

void containerd_instance::wait_ready() {
    auto fail = [&](const std::string& why) {
        throw std::runtime_error("containerd in " + dir_ + ": " + why + "\n--- containerd log (tail) ---\n" +
                                 tail(log(), 30));
    };
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    cri::client c{endpoint(), 2s};
    std::string last;
    enum { version, conditions, image, done } stage = version;
    while (stage != done) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            fail("exited during start-up (status " + std::to_string(status) + ")");
        }
        if (std::chrono::steady_clock::now() > give_up) fail("not ready after 30 s: " + last);
        try {
            if (stage == version) {
                if (!exists(dir_ + "/containerd.sock")) throw not_yet("no socket yet");
                c.version();
                stage = conditions;
            }
            if (stage == conditions) {
                bool runtime_ready = false, network_ready = false;
                for (const auto& cond : c.status()) {
                    if (cond.type == "RuntimeReady") runtime_ready = cond.status;
                    if (cond.type == "NetworkReady") network_ready = cond.status;
                    if (!cond.status) last = cond.type + ": " + cond.reason + ": " + cond.message;
                }
                if (!runtime_ready || !network_ready) throw not_yet(last);
                stage = image;
            }
            if (stage == image) {
                if (!imported_) {
                    int rc = 0;
                    std::string out = run_shell("ctr -a '" + dir_ + "/containerd.sock' -n k8s.io images import --snapshotter " +
                                                    options_.snapshotter + " '" + WHARF_CRI_PAUSE_IMAGE_TAR + "' 2>&1",
                                                &rc);
                    if (rc != 0) fail("ctr images import: " + out);
                    imported_ = true;
                }
                // CRI learns of the import through containerd's events: wait until it resolves the name.
                if (!c.image_id(sandbox_image())) throw not_yet("CRI does not have " + sandbox_image() + " yet");
                stage = done;
            }
        } catch (const not_yet& e) {
            last = e.what();
            std::this_thread::sleep_for(50ms);
        } catch (const cri::error& e) {
            last = e.what();
            std::this_thread::sleep_for(50ms);
        }
    }
}

void containerd_instance::stop() {
    if (!running()) return;
    stop_process(pid_, 10s);
    pid_ = -1;
}

std::string containerd_instance::log() const { return read_file(dir_ + "/containerd.log"); }

std::vector<pid_t> containerd_instance::live_shims() const {
    // containerd 1.6's runc.v2 shim writes no pid file: a shim of this instance is a process whose
    // command line is containerd-shim-* with -address naming this instance's socket.
    std::vector<pid_t> out;
    const std::string socket = dir_ + "/containerd.sock";
    for (const auto& entry : list_dir("/proc")) {
        if (entry.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = static_cast<pid_t>(std::stol(entry));
        std::vector<std::string> args = split_nul(cmdline_of(pid));
        if (args.empty() || args[0].substr(args[0].rfind('/') + 1).rfind("containerd-shim", 0) != 0) continue;
        auto it = std::find(args.begin(), args.end(), "-address");
        if (it != args.end() && std::next(it) != args.end() && *std::next(it) == socket) out.push_back(pid);
    }
    return out;
}

std::vector<std::string> containerd_instance::mounts() const {
    std::vector<std::string> out;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (mount_point.starts_with(dir_ + "/")) out.push_back(mount_point);
    }
    return out;
}

void containerd_instance::cleanup() noexcept {
    try {
        stop();
        // Shims and pause processes outlive containerd: kill what this instance left, by PID (the
        // pause processes' from the init.pid files in the bundles), after checking each PID is one.
        std::vector<pid_t> killed = live_shims();
        std::vector<std::string> shim_sockets;
        const std::string base = dir_ + "/state/" + shim_dir_name;
        for (const auto& ns : list_dir(base)) {
            for (const auto& id : list_dir(base + "/" + ns)) {
                const std::string bundle = base + "/" + ns + "/" + id;
                pid_t init = read_pid_file(bundle + "/init.pid");
                if (init > 0 && cmdline_of(init).starts_with(std::string("/pause\0", 7))) killed.push_back(init);
                std::string address = read_file(bundle + "/address");
                if (address.starts_with("unix://")) shim_sockets.push_back(address.substr(7));
            }
        }
        for (pid_t pid : killed) ::kill(pid, SIGKILL);
        for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
            if (std::none_of(killed.begin(), killed.end(), [](pid_t p) { return !cmdline_of(p).empty(); })) break;
            std::this_thread::sleep_for(20ms);
        }
        // A killed shim leaves its socket in /run/containerd/s.
        for (auto& s : shim_sockets) {
            while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
            if (s.starts_with("/run/containerd/s/")) ::unlink(s.c_str());
        }
        // The sandboxes CRI knows, for the cache files below (read before the dir goes).
        const std::vector<std::string> sandbox_ids = list_dir(dir_ + "/state/io.containerd.grpc.v1.cri/sandboxes");
        // Deepest first: rootfs overlays and pods' netns files that teardown did not unmount.
        auto left = mounts();
        std::sort(left.begin(), left.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
        for (const auto& m : left) ::umount2(m.c_str(), MNT_DETACH);
        if (mounts().empty()) {
            run_shell("rm -rf --one-file-system '" + dir_ + "'");
        } else {
            std::fprintf(stderr, "containerd_instance: %s still has mounts; left in place\n", dir_.c_str());
        }
        for (const auto& controller : list_dir("/sys/fs/cgroup")) remove_cgroup_tree("/sys/fs/cgroup/" + controller + cgroup_parent_);
        if (!run_containerd_existed_) {
            ::rmdir("/run/containerd/s");
            ::rmdir("/run/containerd");
        }
        // libcni's result cache (containerd 1.6 cannot move it): each DEL removes its own files
        // ("<network>-<sandbox id>-<ifname>"); a pod that never got its DEL leaves them.
        const std::string results = "/var/lib/cni/results";
        for (const auto& id : sandbox_ids)
            for (const auto& f : list_dir(results))
                if (f.find("-" + id + "-") != std::string::npos) ::unlink((results + "/" + f).c_str());
        if (!var_lib_cni_existed_) {
            ::rmdir("/var/lib/cni/results");
            ::rmdir("/var/lib/cni");
        }
    } catch (...) {
    }
}

}  // namespace wharf::test
