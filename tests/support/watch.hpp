#pragma once
// Watching a process a test started: what it wrote to a file, and waiting for a condition.
#include <chrono>
#include <functional>
#include <string>

namespace wharf::test {

// The whole file; empty when it cannot be read.
std::string read_all(const std::string& path);

// Polls `done` every 50 ms for up to `limit`; whether it became true.
bool within(std::chrono::milliseconds limit, const std::function<bool()>& done);

}  // namespace wharf::test
