// spawn_bench: times whole process runs, interleaved so every program sees the same machine state.
//   wharf-spawn-bench [-n RUNS] [-e KEY=VALUE]... [-i STDIN_FILE] LABEL=PROGRAM...
// Each program runs with only the given environment, stdin from STDIN_FILE (or /dev/null) and stdout
// and stderr to /dev/null. Prints per program: median, mean and p95 wall time in milliseconds.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    int runs = 1000;
    std::vector<std::string> env;
    std::string stdin_file = "/dev/null";
    std::vector<std::pair<std::string, std::string>> programs;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-n" && i + 1 < argc) runs = std::atoi(argv[++i]);
        else if (a == "-e" && i + 1 < argc) env.emplace_back(argv[++i]);
        else if (a == "-i" && i + 1 < argc) stdin_file = argv[++i];
        else if (auto eq = a.find('='); eq != std::string::npos) programs.emplace_back(a.substr(0, eq), a.substr(eq + 1));
        else {
            std::fprintf(stderr, "usage: %s [-n RUNS] [-e KEY=VALUE]... [-i STDIN] LABEL=PROGRAM...\n", argv[0]);
            return 2;
        }
    }
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::vector<double>> times(programs.size());
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (int r = 0; r < runs; ++r) {
        for (std::size_t p = 0; p < programs.size(); ++p) {
            int in = open(stdin_file.c_str(), O_RDONLY | O_CLOEXEC);
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_adddup2(&fa, in, 0);
            posix_spawn_file_actions_adddup2(&fa, devnull, 1);
            posix_spawn_file_actions_adddup2(&fa, devnull, 2);
            char* args[] = {programs[p].second.data(), nullptr};
            auto start = std::chrono::steady_clock::now();
            pid_t pid;
            if (posix_spawn(&pid, args[0], &fa, nullptr, args, envp.data()) != 0) {
                std::fprintf(stderr, "cannot run %s\n", args[0]);
                return 1;
            }
            int status;
            waitpid(pid, &status, 0);
            auto end = std::chrono::steady_clock::now();
            posix_spawn_file_actions_destroy(&fa);
            close(in);
            times[p].push_back(std::chrono::duration<double, std::milli>(end - start).count());
        }
    }
    for (std::size_t p = 0; p < programs.size(); ++p) {
        auto& t = times[p];
        std::sort(t.begin(), t.end());
        double mean = 0;
        for (double v : t) mean += v;
        mean /= static_cast<double>(t.size());
        std::printf("%-28s median %7.3f ms   mean %7.3f ms   p95 %7.3f ms\n", programs[p].first.c_str(),
                    t[t.size() / 2], mean, t[t.size() * 95 / 100]);
    }
    return 0;
}
