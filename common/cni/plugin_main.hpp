#pragma once
// plugin_main: the one entry point and the only catch boundary of a plugin. It reads the request and
// the config, dispatches to the handlers, prints the result (or the error object) on stdout, and
// returns the exit code. Nothing else in a plugin writes to stdout.
#include <functional>
#include <string>

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "cni/result.hpp"

namespace wharf::cni {

struct context {
    request req;
    net_conf conf;
    std::string stdin_data;  // the config exactly as received (passed on to delegated IPAM plugins)
};

struct handlers {
    std::function<result(const context&)> add;
    std::function<void(const context&)> del;
    std::function<void(const context&)> check;
    std::function<void(const context&)> status;  // default: success
    std::function<void(const context&)> gc;      // default: success; ctx.conf.valid_attachments
};

// `plugin` is the binary's name, for logs and `--version`-like output.
int plugin_main(const std::string& plugin, const handlers& h);

}  // namespace wharf::cni
