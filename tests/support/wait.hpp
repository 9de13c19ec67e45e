#pragma once
// Waiting in tests for something another process does (an agent's repair, a log line): poll, with a
// limit wide enough that a loaded machine does not fail the test. Never a measurement.
#include <chrono>
#include <functional>
#include <string>

namespace wharf::test {

// Polls `done` every 20 ms for up to `limit`; whether it became true.
bool within(std::chrono::milliseconds limit, const std::function<bool()>& done);

// A file's whole text; empty when it cannot be read.
std::string file_text(const std::string& path);

}  // namespace wharf::test
