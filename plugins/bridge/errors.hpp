#pragma once
// error_list: teardown (DEL, GC) keeps going after a failure and reports every failure at the end.
#include <exception>
#include <string>
#include <vector>

namespace wharf::bridge {

class error_list {
public:
    // Runs `step`; an exception is recorded under `what` and swallowed.
    template <typename Fn>
    void attempt(const std::string& what, Fn&& step) noexcept {
        try {
            step();
        } catch (const std::exception& e) {
            record(what, e.what());
        } catch (...) {
            record(what, "unknown error");
        }
    }
    void record(const std::string& what, const std::string& why) noexcept;
    bool empty() const noexcept { return failures_.empty(); }
    // Throws cni::error (999) with `operation` as msg and every failure in details; nothing if empty.
    void throw_if_any(const std::string& operation) const;

private:
    std::vector<std::string> failures_;
};

}  // namespace wharf::bridge
