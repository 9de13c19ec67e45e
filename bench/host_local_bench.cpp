// host_local_bench: ADD and DEL time of our host-local beside the reference plugin, at 1, 1,000 and
// 10,000 allocations, on the same machine in the same run.
//
// For each fill level N and each plugin, a private data directory gets N reservations written directly in
// the reference layout (what a node that switches in place has), then `rounds` ADD/DEL pairs are timed
// as a runtime runs them: a process per call, the config on stdin. Ours indexes a store the reference
// wrote once, on its first call; that call is timed and printed separately, not mixed into ADD/DEL.
//
// usage: host_local_bench <our host-local> [reference host-local] [rounds]
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

std::string address(int i) {  // the i-th address of 10.200.0.0/16 after the gateway
    int n = i + 2;
    return "10.200." + std::to_string(n / 256) + "." + std::to_string(n % 256);
}

struct store {
    std::string data_dir;
    std::string conf_path;
    store() {
        char tmpl[] = "/tmp/wharf-hl-bench-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        data_dir = tmpl;
        conf_path = data_dir + "/conf.json";
        std::ofstream(conf_path) << R"({"cniVersion": "1.0.0", "name": "bench", "type": "host-local", "ipam": )"
                                 << R"({"type": "host-local", "dataDir": ")" << data_dir
                                 << R"(", "ranges": [[{"subnet": "10.200.0.0/16"}]]}})";
    }
    ~store() {
        std::error_code ec;
        fs::remove_all(data_dir, ec);
    }
    void fill(int n) const {
        const std::string dir = data_dir + "/bench";
        fs::create_directories(dir);
        for (int i = 0; i < n; ++i) std::ofstream(dir + "/" + address(i)) << "fill-" << i << "\r\neth0";
        if (n > 0) std::ofstream(dir + "/last_reserved_ip.0") << address(n - 1);
    }
};

// Runs one call; returns its wall time in ms. Throws when the plugin fails.
double run(const std::string& bin, const store& s, const char* command, const std::string& container) {
    std::vector<std::string> env = {std::string("CNI_COMMAND=") + command, "CNI_CONTAINERID=" + container,
                                    "CNI_NETNS=/proc/self/ns/net", "CNI_IFNAME=eth0", "CNI_PATH=/nonexistent"};
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string out = s.data_dir + "/out";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, s.conf_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::string b = bin;
    char* argv[] = {b.data(), nullptr};
    auto t0 = clock_type::now();
    pid_t pid = -1;
    int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("spawn " + bin + " failed");
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream f(out);
        std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        throw std::runtime_error(std::string(command) + " by " + bin + " failed: " + text);
    }
    return ms;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <our host-local> [reference host-local] [rounds]\n", argv[0]);
        return 2;
    }
    const std::string ours = argv[1];
    const std::string reference = argc > 2 ? argv[2] : "/usr/lib/cni/host-local";
    const int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
    std::printf("%-12s %12s %10s %10s %14s\n", "plugin", "allocations", "ADD ms", "DEL ms", "first call ms");
    try {
        for (int n : {1, 1000, 10000}) {
            for (const auto& [name, bin] : {std::pair{"wharf", ours}, std::pair{"reference", reference}}) {
                store s;
                s.fill(n - 1);  // the timed ADD is the n-th allocation
                double first = run(bin, s, "DEL", "nobody");  // ours indexes the reference-written store here
                std::vector<double> add, del;
                for (int r = 0; r < rounds; ++r) {
                    const std::string ctr = "bench-" + std::to_string(r);
                    add.push_back(run(bin, s, "ADD", ctr));
                    del.push_back(run(bin, s, "DEL", ctr));
                }
                std::printf("%-12s %12d %10.2f %10.2f %14.2f\n", name, n, median(add), median(del), first);
                std::fflush(stdout);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "host_local_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
