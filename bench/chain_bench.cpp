// wharf-chain-bench: the same conflist run through `wharf` with several plugin implementations, in
// one interleaved run. Per implementation and operation (ADD, CHECK, DEL), for a container that
// publishes no port (a Kubernetes pod without hostPort) and for one that publishes one: median and
// p95 wall time on a network that already has a container (the steady state of a node), peak
// memory of the whole chain, and the floor (as many starts of a static no-op program as the
// operation starts processes). Then ADD's growth from the 1st to the Nth container on one bridge,
// and a burst of ADDs started at once.
//   wharf-chain-bench --wharf BIN --nop BIN --conf FILE [-n RUNS] [--growth N] [--burst N]
//                     LABEL=CNI_PATH...
// Each implementation gets its own copy of the conflist with its own bridge name, subnet and IPAM
// directory (so they never share state), its own cache dir, and namespaces it alone uses.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cli/named_netns.hpp"
#include "json/json.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

struct impl {
    std::string label, cni_path, dir, run_dir, network, bridge, probe_network;
    std::vector<std::string> env;
    pid_t agent = -1;  // wharfd, for a label ending in "+wharfd"
    std::map<std::string, std::vector<double>> samples;  // "ADD", "CHECK", "DEL" + variant -> ms
    std::map<std::string, int> check_failures;           // variant -> CHECKs that failed
    long peak_kb = 0;
};

// The two kinds of container measured: without a published port and with one.
struct variant {
    const char* title;
    bool publish;
};
constexpr variant variants[] = {{"no published port", false}, {"one published port", true}};

// Starts argv with env (stdout to /dev/null when quiet, stderr too when silent); returns its pid, or -1.
pid_t spawn_quiet(std::vector<std::string> argv, std::vector<std::string> env, bool quiet = true, bool silent = false) {
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : env) e.push_back(s.data());
    e.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (quiet) posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (silent) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    if (posix_spawn(&pid, a[0], &fa, nullptr, a.data(), e.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

// Runs argv with env; returns wall milliseconds, or -1 on failure.
double run(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool quiet = true) {
    auto begin = clock_type::now();
    pid_t pid = spawn_quiet(argv, env, quiet);
    if (pid < 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    double ms = std::chrono::duration<double, std::milli>(clock_type::now() - begin).count();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Peak RSS (KiB) of one ADD+DEL through the chain: measured in a forked child, whose
// RUSAGE_CHILDREN maximum covers wharf and every plugin it waited for.
long peak_memory(const std::string& wharf, const impl& im, const std::string& ns) {
    int p[2];
    if (pipe(p) != 0) return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        run({wharf, "add", im.network, ns}, im.env);
        run({wharf, "del", im.network, ns}, im.env);
        rusage ru{};
        getrusage(RUSAGE_CHILDREN, &ru);
        long kb = ru.ru_maxrss;
        (void)!write(p[1], &kb, sizeof kb);
        _exit(0);
    }
    close(p[1]);
    long kb = 0;
    (void)!read(p[0], &kb, sizeof kb);
    close(p[0]);
    waitpid(pid, nullptr, 0);
    return kb;
}

}  // namespace

int main(int argc, char** argv) {
    std::string wharf, nop, conf, kernel_floor;
    int runs = 100, growth = 1000, burst = 50;
    std::vector<impl> impls;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
        if (a == "--wharf") wharf = next();
        else if (a == "--nop") nop = next();
        else if (a == "--conf") conf = next();
        else if (a == "--kernel-floor") kernel_floor = next();
        else if (a == "-n") runs = std::stoi(next());
        else if (a == "--growth") growth = std::stoi(next());
        else if (a == "--burst") burst = std::stoi(next());
        else if (auto eq = a.find('='); eq != std::string::npos) impls.push_back({.label = a.substr(0, eq), .cni_path = a.substr(eq + 1)});
        else {
            std::fprintf(stderr, "usage: %s --wharf BIN --nop BIN --conf FILE [--kernel-floor BIN] [-n RUNS] [--growth N] [--burst N] LABEL=CNI_PATH...\n", argv[0]);
            return 2;
        }
    }
    if (wharf.empty() || nop.empty() || conf.empty() || impls.empty()) return 2;
    json base = json::parse(std::ifstream(conf));
    std::string tmp = "/tmp/wharf-chain-bench.XXXXXX";
    if (!mkdtemp(tmp.data())) return 1;
    // The run directory on a tmpfs, as /run is on a node (here / and /run are one ext4 file system,
    // whose journal makes a file creation wait behind another process's fsync).
    std::string run_tmp = "/dev/shm/wharf-chain-bench.XXXXXX";
    if (!mkdtemp(run_tmp.data())) run_tmp = tmp;
    wharf::cli::named_netns_dir netns("/run/netns");
    const std::string tag = std::to_string(getpid() % 100000);
    std::vector<std::string> namespaces;
    int processes = 1;  // wharf itself
    for (std::size_t k = 0; k < impls.size(); ++k) {
        auto& im = impls[k];
        im.dir = tmp + "/" + std::to_string(k);
        im.run_dir = run_tmp + "/" + std::to_string(k);
        im.network = base["name"].get<std::string>();
        im.bridge = "wbench" + std::to_string(k) + "-" + tag;
        json doc = base;
        processes = 1;
        for (auto& p : doc["plugins"]) {
            ++processes;
            if (p["type"] == "bridge") {
                p["bridge"] = im.bridge;
                p["ipMasq"] = p.value("ipMasq", false);
            }
            if (p.contains("ipam")) {
                ++processes;
                p["ipam"]["dataDir"] = im.dir + "/ipam";
                p["ipam"]["ranges"] = json::array({json::array({{{"subnet", "10.23" + std::to_string(k) + ".0.0/16"}}})});
            }
        }
        fs::create_directories(im.dir + "/conf");
        std::ofstream(im.dir + "/conf/10-bench.conflist") << doc.dump();
        // The probe: the same chain on a bridge and subnet of its own that stays empty, so the growth
        // table can show, at the same moment, what the Nth container costs beside the first.
        im.probe_network = im.network + "-probe";
        doc["name"] = im.probe_network;
        for (auto& p : doc["plugins"]) {
            if (p["type"] == "bridge") p["bridge"] = "wbenchp" + std::to_string(k) + "-" + tag;
            if (p.contains("ipam"))
                p["ipam"]["ranges"] = json::array({json::array({{{"subnet", "10.22" + std::to_string(k) + ".0.0/16"}}})});
        }
        std::ofstream(im.dir + "/conf/20-probe.conflist") << doc.dump();
        im.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NETCONFPATH=" + im.dir + "/conf", "CNI_PATH=" + im.cni_path,
                  "WHARF_CACHE_DIR=" + im.dir + "/cache", "WHARF_RUN_DIR=" + im.run_dir, "WHARF_NEGOTIATE=off"};
    }
    auto make_ns = [&](const std::string& name) {
        namespaces.push_back(netns.create(name));
        return namespaces.back();
    };
    auto cleanup = [&] {
        // A run cut short leaves containers attached: DEL them (in every implementation: DEL of an
        // attachment that does not exist succeeds), so no rule stays in the host's nftables.
        for (const auto& ns : namespaces)
            for (const auto& im : impls) run({wharf, "del", im.network, ns}, im.env);
        for (std::size_t i = 0; i < namespaces.size(); ++i) netns.remove(fs::path(namespaces[i]).filename());
        for (std::size_t k = 0; k < impls.size(); ++k) {
            run({"/usr/sbin/ip", "link", "del", impls[k].bridge}, {});
            run({"/usr/sbin/ip", "link", "del", "wbenchp" + std::to_string(k) + "-" + tag}, {});
        }
        if (!kernel_floor.empty()) run({"/usr/sbin/ip", "link", "del", "wkf-" + tag}, {});
        for (auto& im : impls) {
            if (im.agent <= 0) continue;
            kill(im.agent, SIGTERM);
            waitpid(im.agent, nullptr, 0);
        }
        fs::remove_all(tmp);
        if (run_tmp != tmp) fs::remove_all(run_tmp);
    };

    // "wharf+wharfd": Wharf's plugins with the agent running (its socket in this run directory).
    for (auto& im : impls) {
        if (im.label.ends_with("+wharfd")) {
            im.agent = spawn_quiet({im.cni_path + "/wharfd"}, im.env, true, true);
            const std::string socket = im.run_dir + "/wharfd.sock";
            for (int waited = 0; waited < 500 && !fs::exists(socket); ++waited)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            if (im.agent < 0 || !fs::exists(socket)) {
                std::fprintf(stderr, "%s: wharfd did not start\n", im.label.c_str());
                cleanup();
                return 1;
            }
        }
    }

    utsname uts{};
    uname(&uts);
    std::printf("machine: %ld cores, Linux %s; %d runs each, interleaved; chain: ", sysconf(_SC_NPROCESSORS_ONLN), uts.release, runs);
    for (const auto& p : base["plugins"]) std::printf("%s ", p["type"].get<std::string>().c_str());
    std::printf("(%d process starts per operation)\n", processes);

    // Interleaved ADD, CHECK, DEL: every implementation sees the same machine state. One resident
    // container per implementation keeps its network warm, as on a node that runs containers: each
    // measured ADD joins a network that has its rules, each DEL leaves one that keeps them.
    std::vector<std::string> resident;
    for (std::size_t k = 0; k < impls.size(); ++k) {
        resident.push_back(make_ns("wb" + tag + "-" + std::to_string(k) + "-resident"));
        if (run({wharf, "add", impls[k].network, resident.back()}, impls[k].env) < 0) {
            std::fprintf(stderr, "%s: wharf add of the resident container failed\n", impls[k].label.c_str());
            cleanup();
            return 1;
        }
    }
    // The kernel floor: the process starts of the chain, with one of them doing the bridge's link,
    // address and route work (or its veth removal) and nothing else: no nftables, IPAM, JSON.
    std::vector<double> kernel_add, kernel_del;
    if (!kernel_floor.empty() && run({kernel_floor, "bridge", "wkf-" + tag}, {}) < 0) kernel_floor.clear();
    auto measure_kernel_floor = [&](int r) {
        if (kernel_floor.empty()) return;
        const std::string ns = make_ns("wkf" + tag + "-" + std::to_string(r));
        const std::string host_if = "vkf" + tag + "-" + std::to_string(r % 1000);
        const std::string address = "10.239." + std::to_string(r / 250 % 250) + "." + std::to_string(r % 250 + 2) + "/16";
        for (const char* step : {"add", "del"}) {
            auto start = clock_type::now();
            for (int i = 1; i < processes; ++i) run({nop}, {});
            const double ms = step[0] == 'a' ? run({kernel_floor, "add", "wkf-" + tag, ns, "eth0", address, "10.239.0.1", host_if}, {})
                                             : run({kernel_floor, "del", host_if}, {});
            const double total = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
            if (ms >= 0) (step[0] == 'a' ? kernel_add : kernel_del).push_back(total);
        }
        netns.remove(fs::path(ns).filename());
        namespaces.erase(std::find(namespaces.begin(), namespaces.end(), ns));
    };
    std::vector<double> floor;
    for (const variant& var : variants) {
        for (int r = 0; r < runs; ++r) {
            std::vector<std::string> ns;
            for (std::size_t k = 0; k < impls.size(); ++k) ns.push_back(make_ns("wb" + tag + "-" + std::to_string(k) + "-" + std::to_string(r)));
            for (const char* op : {"add", "check", "del"}) {
                for (std::size_t k = 0; k < impls.size(); ++k) {
                    auto& im = impls[k];
                    // Each implementation its own host ports: two of Wharf's share one host's port table.
                    const std::string port = std::to_string(20000 + 1000 * static_cast<int>(k) + r) + ":80";
                    std::vector<std::string> argv{wharf, op, im.network, ns[k]};
                    if (var.publish) argv.insert(argv.end(), {"-p", port});
                    double ms = run(argv, im.env);
                    if (ms < 0 && op[0] == 'c') {
                        // The reference portmap's CHECK fails on a published port of a container
                        // without IPv6 (it looks for an IPv6 DNAT chain it never made): noted, not fatal.
                        ++im.check_failures[var.title];
                        continue;
                    }
                    if (ms < 0) {
                        std::fprintf(stderr, "%s: wharf %s failed; run it by hand with NETCONFPATH=%s/conf CNI_PATH=%s\n", im.label.c_str(), op,
                                     im.dir.c_str(), im.cni_path.c_str());
                        cleanup();
                        return 1;
                    }
                    std::string key = op[0] == 'a' ? "ADD" : op[0] == 'c' ? "CHECK" : "DEL";
                    im.samples[key + var.title].push_back(ms);
                }
            }
            auto start = clock_type::now();
            for (int i = 0; i < processes; ++i) run({nop}, {});
            floor.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
            if (!var.publish) measure_kernel_floor(r);
            for (std::size_t k = 0; k < impls.size(); ++k) {
                netns.remove(fs::path(ns[k]).filename());
                namespaces.erase(std::find(namespaces.begin(), namespaces.end(), ns[k]));
            }
        }
    }
    for (std::size_t k = 0; k < impls.size(); ++k) {
        run({wharf, "del", impls[k].network, resident[k]}, impls[k].env);
        netns.remove(fs::path(resident[k]).filename());
        namespaces.erase(std::find(namespaces.begin(), namespaces.end(), resident[k]));
    }
    for (auto& im : impls) {
        auto ns = make_ns("wb" + tag + "-mem");
        im.peak_kb = peak_memory(wharf, im, ns);
        netns.remove(fs::path(ns).filename());
        namespaces.pop_back();
    }
    for (const variant& var : variants) {
        std::printf("\n%s, on a network that has a container already:\n", var.title);
        std::printf("%-22s %-6s %10s %10s %12s %10s\n", "implementation", "op", "median ms", "p95 ms", "vs first", "peak MiB");
        for (const char* op : {"ADD", "CHECK", "DEL"}) {
            const std::string key = std::string(op) + var.title;
            for (auto& im : impls) {
                const auto& v = im.samples[key];
                const auto& first = impls[0].samples[key];
                if (op[0] == 'C' && im.check_failures[var.title] > 0) {
                    std::printf("%-22s %-6s %10s   (%d of %d failed)\n", im.label.c_str(), op, "fails", im.check_failures[var.title], runs);
                    continue;
                }
                std::printf("%-22s %-6s %10.2f %10.2f %11.2fx %10.1f\n", im.label.c_str(), op, pct(v, 0.5), pct(v, 0.95),
                            pct(v, 0.5) / pct(first, 0.5), static_cast<double>(im.peak_kb) / 1024.0);
            }
        }
    }
    std::printf("\n%-22s %-6s %10.2f %10.2f   (%d starts of a static no-op)\n", "floor", "any", pct(floor, 0.5), pct(floor, 0.95), processes);
    if (!kernel_add.empty() && !kernel_del.empty()) {
        std::printf("%-22s %-6s %10.2f %10.2f   (the same starts, one doing the bridge's link, address and route work)\n",
                    "kernel floor", "ADD", pct(kernel_add, 0.5), pct(kernel_add, 0.95));
        std::printf("%-22s %-6s %10.2f %10.2f   (the same starts, one removing the veth pair)\n", "kernel floor", "DEL",
                    pct(kernel_del, 0.5), pct(kernel_del, 0.95));
    }

    // Growth: ADD of the 1st .. Nth container on one bridge, then DEL them all.
    if (growth > 0) {
        std::printf("\nADD as containers accumulate on one bridge (ms, median of the 10 around each point):\n%-22s", "implementation");
        std::vector<int> points;
        for (int p : {1, 10, 100, 300, 1000, 3000})
            if (p < growth) points.push_back(p);
        points.push_back(growth);
        for (int p : points) std::printf(" %9s", ("#" + std::to_string(p)).c_str());
        std::printf("\n");
        auto print_row = [&](const std::string& label, const std::vector<double>& t) {
            std::printf("%-22s", label.c_str());
            for (int p : points) {
                std::vector<double> around(t.begin() + std::max(0, p - 10), t.begin() + p);
                std::printf(" %9.2f", pct(around, 0.5));
            }
            std::printf("\n");
            std::fflush(stdout);
        };
        // The probe's ADDs, by container index: measured only near the points (NaN elsewhere).
        auto print_probe_row = [&](const std::string& label, const std::vector<double>& t) {
            std::printf("%-22s", label.c_str());
            for (int p : points) {
                std::vector<double> around;
                for (int i = std::max(0, p - 10); i < p; ++i)
                    if (!std::isnan(t[static_cast<std::size_t>(i)])) around.push_back(t[static_cast<std::size_t>(i)]);
                std::printf(" %9.2f", pct(around, 0.5));
            }
            std::printf("\n");
        };
        // Interleaved, container by container: the Nth ADD of every implementation (and of the kernel
        // floor) runs at about the same moment, so the machine's drift over a long run shows in every row
        // alike instead of passing for growth in one of them.
        std::vector<std::vector<double>> t(impls.size()), probe_t(impls.size(), std::vector<double>(static_cast<std::size_t>(growth), std::nan("")));
        std::vector<std::vector<std::string>> ns(impls.size());
        // One resident container keeps each probe network warm, as the measured networks are.
        std::vector<std::string> probe_resident;
        for (std::size_t k = 0; k < impls.size(); ++k) {
            probe_resident.push_back(make_ns("wgp" + tag + "-" + std::to_string(k) + "-resident"));
            run({wharf, "add", impls[k].probe_network, probe_resident.back()}, impls[k].env);
        }
        std::vector<double> floor_t;
        std::vector<std::string> floor_ns, floor_ifs;
        for (int i = 0; i < growth; ++i) {
            for (std::size_t k = 0; k < impls.size(); ++k) {
                ns[k].push_back(make_ns("wg" + tag + "-" + std::to_string(k) + "-" + std::to_string(i)));
                t[k].push_back(run({wharf, "add", impls[k].network, ns[k].back()}, impls[k].env));
            }
            // Near each point, one ADD (and DEL) on the empty probe bridge right after.
            const bool near_point = std::any_of(points.begin(), points.end(), [&](int p) { return i >= p - 10 && i < p; });
            for (std::size_t k = 0; k < impls.size() && near_point; ++k) {
                const std::string probe = make_ns("wgp" + tag + "-" + std::to_string(k) + "-" + std::to_string(i));
                probe_t[k][static_cast<std::size_t>(i)] = run({wharf, "add", impls[k].probe_network, probe}, impls[k].env);
                run({wharf, "del", impls[k].probe_network, probe}, impls[k].env);
                netns.remove(fs::path(probe).filename());
                namespaces.pop_back();
            }
            // The kernel's share of the growth: the same link, address and route work alone (one static
            // process, no nftables, IPAM or JSON), for containers accumulating on a bridge of its own.
            if (!kernel_floor.empty()) {
                floor_ns.push_back(make_ns("wgk" + tag + "-" + std::to_string(i)));
                floor_ifs.push_back("vgk" + tag + "-" + std::to_string(i));
                const std::string address = "10.239." + std::to_string(i / 250 % 250) + "." + std::to_string(i % 250 + 2) + "/16";
                floor_t.push_back(run({kernel_floor, "add", "wkf-" + tag, floor_ns.back(), "eth0", address, "10.239.0.1", floor_ifs.back()}, {}));
            }
        }
        for (std::size_t k = 0; k < impls.size(); ++k) {
            print_row(impls[k].label, t[k]);
            print_probe_row(impls[k].label + ", empty bridge", probe_t[k]);
        }
        if (!kernel_floor.empty()) print_row("kernel floor", floor_t);
        for (std::size_t k = 0; k < impls.size(); ++k)
            for (const auto& n : ns[k]) {
                run({wharf, "del", impls[k].network, n}, impls[k].env);
                netns.remove(fs::path(n).filename());
            }
        for (std::size_t k = 0; k < impls.size(); ++k) {
            run({wharf, "del", impls[k].probe_network, probe_resident[k]}, impls[k].env);
            netns.remove(fs::path(probe_resident[k]).filename());
        }
        for (std::size_t i = 0; i < floor_ns.size(); ++i) {
            run({kernel_floor, "del", floor_ifs[i]}, {});
            netns.remove(fs::path(floor_ns[i]).filename());
        }
        namespaces.clear();
    }

    // Burst: N ADDs started at once.
    if (burst > 0) {
        std::printf("\n%d ADDs started at once:\n", burst);
        for (auto& im : impls) {
            std::vector<std::string> ns;
            for (int i = 0; i < burst; ++i) ns.push_back(make_ns("wc" + tag + "-" + std::to_string(i)));
            std::vector<pid_t> pids;
            auto start = clock_type::now();
            int failed = 0;
            for (const auto& n : ns) {
                pid_t pid = spawn_quiet({wharf, "add", im.network, n}, im.env);
                if (pid > 0) pids.push_back(pid);
                else ++failed;
            }
            for (pid_t pid : pids) {
                int status = 0;
                waitpid(pid, &status, 0);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
            }
            double ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
            std::printf("%-22s all done in %8.1f ms, %d failed\n", im.label.c_str(), ms, failed);
            std::fflush(stdout);
            for (const auto& n : ns) {
                run({wharf, "del", im.network, n}, im.env);
                netns.remove(fs::path(n).filename());
            }
            namespaces.clear();
        }
    }
    cleanup();
    return 0;
}
