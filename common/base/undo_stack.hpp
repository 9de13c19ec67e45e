#pragma once
// undo_stack: compensations pushed after each step of a multi-step change; unless dismiss() is called,
// the destructor runs them newest first. A compensation that throws is logged and the rest still run.
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace wharf {

class undo_stack {
public:
    undo_stack() = default;
    undo_stack(const undo_stack&) = delete;
    undo_stack& operator=(const undo_stack&) = delete;
    ~undo_stack() { run(); }

    // `what` names the step being undone, for the log line if undoing it fails.
    void push(std::string what, std::function<void()> undo) {
        steps_.push_back({std::move(what), std::move(undo)});
    }
    void dismiss() noexcept { steps_.clear(); }
    // Runs every compensation now (newest first) and empties the stack.
    void run() noexcept;

private:
    struct step {
        std::string what;
        std::function<void()> undo;
    };
    std::vector<step> steps_;
};

// scope_exit: runs a callable when the scope ends, however it ends.
template <typename Fn>
class scope_exit {
public:
    explicit scope_exit(Fn fn) : fn_(std::move(fn)) {}
    scope_exit(const scope_exit&) = delete;
    scope_exit& operator=(const scope_exit&) = delete;
    ~scope_exit() { fn_(); }

private:
    Fn fn_;
};

}  // namespace wharf
