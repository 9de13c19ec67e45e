// kube_lib against the stand-in API server (tests/kube/apiserver.py) on loopback: TLS and tokens,
// the node list and watch, 410 relists, backoff, the status patch, interruption.
#include <doctest/doctest.h>
#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <future>
#include <thread>

#include "json/json.hpp"
#include "kube/client.hpp"
#include "kube/node_status.hpp"
#include "kube/node_watch.hpp"
#include "netns/netns.hpp"
#include "support/kube_standin.hpp"
#include "support/sandbox.hpp"
#include "support/temp_dir.hpp"

using namespace wharf;
using namespace std::chrono_literals;
using test::kube_standin;

namespace {

// Waits up to 20 s for `done`.
bool eventually(const std::function<bool()>& done) {
    for (auto until = std::chrono::steady_clock::now() + 20s; !done();) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// Reads the eventfd's count; false when it was not readable within `wait`.
bool take_signal(int fd, std::chrono::milliseconds wait = 20000ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return false;
    std::uint64_t count = 0;
    return ::read(fd, &count, sizeof count) == sizeof count && count > 0;
}

kube::node_watch_options quick() {
    kube::node_watch_options o;
    o.backoff_initial = 50ms;
    o.backoff_max = 1000ms;
    return o;
}

test::kube_standin_options fast_bookmarks() {
    test::kube_standin_options o;
    o.bookmark_interval = 200ms;
    return o;
}

long status_of(const std::function<void()>& request) {
    try {
        request();
    } catch (const kube::api_error& e) {
        return e.status();
    }
    return 0;
}

}  // namespace

TEST_CASE("TLS is verified against the given CA, from a file or a kubeconfig's data") {
    kube_standin server;
    server.put_node(kube_standin::make_node("n1", {"10.155.1.0/24"}, {"10.155.0.1"}));
    kube::client by_file(server.access());
    const auto nodes = nlohmann::json::parse(by_file.get("/api/v1/nodes").body);
    CHECK(nodes["items"].size() == 1);

    kube::client by_kubeconfig(kube::load_kubeconfig(server.kubeconfig()));
    CHECK(by_kubeconfig.get("/api/v1/nodes/n1").status == 200);

    test::temp_dir other("wka-ca");
    int rc = -1;
    test::run_shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + other.path() +
                        "/k -out " + other.path() + "/ca.crt -days 1 -subj /CN=other -addext subjectAltName=IP:127.0.0.1 2>&1",
                    &rc);
    REQUIRE(rc == 0);
    auto wrong = server.access();
    wrong.ca_file = other.path() + "/ca.crt";
    kube::client untrusting(wrong);
    CHECK_THROWS_AS(untrusting.get("/api/v1/nodes"), kube::transport_error);
    CHECK(server.counters()["lists"] == 1);  // the untrusting client's request never reached the handler
}

TEST_CASE("an IPv6 server address in brackets") {
    test::kube_standin_options o;
    o.address = "::1";
    kube_standin server(o);
    CHECK(server.server().find("https://[::1]:") == 0);
    kube::client api(kube::load_kubeconfig(server.kubeconfig()));
    CHECK(api.get("/api/v1/nodes").status == 200);
}

TEST_CASE("tokens: a wrong one is 401, a rotated one is re-read from the token file once") {
    kube_standin server;
    auto wrong = server.access();
    wrong.token = "not-the-token";
    wrong.token_file.clear();
    kube::client stranger(wrong);
    try {
        stranger.get("/api/v1/nodes");
        FAIL("a wrong token was accepted");
    } catch (const kube::api_error& e) {
        CHECK(e.status() == 401);
        CHECK(e.message() == "Unauthorized");
    }
    CHECK(server.counters()["unauthorized"] == 1);

    kube::client api(server.access());
    CHECK(api.get("/api/v1/nodes").status == 200);
    server.rotate_token();
    CHECK(api.get("/api/v1/nodes").status == 200);
    CHECK(server.counters()["unauthorized"] == 2);  // the old token once, then the re-read one worked
    CHECK(api.get("/api/v1/nodes").status == 200);
    CHECK(server.counters()["unauthorized"] == 2);  // and it is kept

    auto pinned = server.access();
    pinned.token_file.clear();
    kube::client no_file(pinned);
    server.rotate_token();
    CHECK(status_of([&] { no_file.get("/api/v1/nodes"); }) == 401);
}

TEST_CASE("404 and 403 carry the server's Status message") {
    kube_standin server;
    kube::client api(server.access());
    try {
        api.get("/api/v1/nodes/absent");
        FAIL("no 404");
    } catch (const kube::api_error& e) {
        CHECK(e.status() == 404);
        CHECK(e.message() == "nodes \"absent\" not found");
    }
    CHECK(status_of([&] { api.get("/api/v1/pods"); }) == 403);
    CHECK(status_of([&] { api.patch("/api/v1/nodes/x", "{}", "application/merge-patch+json"); }) == 403);
}

TEST_CASE("the node list is read in pages at one resourceVersion") {
    kube_standin server;
    auto all = nlohmann::json::array();
    for (int i = 0; i < 1200; ++i)
        all.push_back(kube_standin::make_node("node-" + std::to_string(i),
                                              {"10.155." + std::to_string(i / 256 + 100) + "." + std::to_string(i % 256) + "/32"},
                                              {"10.155." + std::to_string(i / 256) + "." + std::to_string(i % 256)}));
    server.put_nodes(all);
    kube::node_watch watch(server.access(), quick());
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.synced());
    const auto nodes = watch.snapshot();
    CHECK(nodes.size() == 1200);
    REQUIRE(nodes.count("node-1000") == 1);
    CHECK(nodes.at("node-1000").internal_ips.at(0).to_string() == "10.155.3.232");
    CHECK(nodes.at("node-1000").pod_cidrs.at(0).to_string() == "10.155.103.232/32");
    const auto counters = server.counters();
    CHECK(counters["lists"] == 1);
    CHECK(counters["list_pages"] == 3);  // 500 + 500 + 200
    CHECK(watch.resource_version() == server.resource_version());
}

TEST_CASE("watch events change the snapshot and signal; heartbeats and bookmarks only move the version") {
    kube_standin server(fast_bookmarks());
    server.put_node(kube_standin::make_node("a", {"10.155.10.0/24"}, {"10.155.0.10"}));
    kube::node_watch watch(server.access(), quick());
    REQUIRE(take_signal(watch.changed_fd()));
    REQUIRE(watch.snapshot().size() == 1);
    REQUIRE(eventually([&] { return server.counters()["watches"] == 1; }));

    server.put_node(kube_standin::make_node("b", {"10.155.11.0/24", "fd00:155:11::/64"}, {"10.155.0.11"}));
    REQUIRE(take_signal(watch.changed_fd()));
    REQUIRE(watch.snapshot().count("b") == 1);
    CHECK(watch.snapshot().at("b").pod_cidrs.size() == 2);

    server.put_node(kube_standin::make_node("b", {"10.155.12.0/24"}, {"10.155.0.11"}));
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.snapshot().at("b").pod_cidrs.at(0).to_string() == "10.155.12.0/24");

    kube::client api(server.access());
    kube::set_network_available(api, "b");
    const std::string after_patch = server.resource_version();
    REQUIRE(eventually([&] { return watch.resource_version() == after_patch; }));
    CHECK_FALSE(take_signal(watch.changed_fd(), 0ms));  // a status-only change is no change for the network

    const std::string advanced = server.advance(7);
    REQUIRE(eventually([&] { return watch.resource_version() == advanced; }));
    CHECK(server.counters()["bookmarks"].get<int>() > 0);
    CHECK_FALSE(take_signal(watch.changed_fd(), 0ms));

    server.delete_node("a");
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.snapshot().count("a") == 0);
    CHECK(watch.snapshot().size() == 1);
    CHECK(server.counters()["lists"] == 1);
}

TEST_CASE("a compaction seen as an ERROR event relists, and the watch goes on") {
    kube_standin server(fast_bookmarks());
    server.put_node(kube_standin::make_node("a", {"10.155.20.0/24"}, {"10.155.0.20"}));
    kube::node_watch watch(server.access(), quick());
    REQUIRE(take_signal(watch.changed_fd()));
    REQUIRE(eventually([&] { return server.counters()["watches"] == 1; }));
    server.compact();
    REQUIRE(eventually([&] { return server.counters()["lists"] == 2; }));
    CHECK(server.counters()["gone"] == 1);
    server.put_node(kube_standin::make_node("c", {"10.155.21.0/24"}, {"10.155.0.21"}));
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.snapshot().count("c") == 1);
}

TEST_CASE("a 410 on restarting the watch relists and catches a delete made meanwhile") {
    kube_standin server(fast_bookmarks());
    server.put_nodes(nlohmann::json::array({kube_standin::make_node("a", {"10.155.30.0/24"}, {"10.155.0.30"}),
                                            kube_standin::make_node("b", {"10.155.31.0/24"}, {"10.155.0.31"})}));
    kube::node_watch watch(server.access(), quick());
    REQUIRE(take_signal(watch.changed_fd()));
    REQUIRE(eventually([&] { return server.counters()["watches"] == 1; }));
    const std::string before = watch.resource_version();

    server.hold_watches(true);  // the watch hears nothing of what follows, as if wharfd were down
    server.delete_node("a");
    server.compact();
    server.close_watches();
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.snapshot().count("a") == 0);
    CHECK(watch.snapshot().count("b") == 1);
    const auto counters = server.counters();
    CHECK(counters["lists"] == 2);
    CHECK(counters["gone"].get<int>() >= 1);
    CHECK(watch.resource_version() != before);
    server.hold_watches(false);
}

TEST_CASE("500s and 429s back off, then the watch recovers") {
    kube_standin server(fast_bookmarks());
    server.put_node(kube_standin::make_node("a", {"10.155.40.0/24"}, {"10.155.0.40"}));
    server.fail_next(3, 500);
    kube::node_watch watch(server.access(), quick());
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.synced());
    CHECK(server.counters()["injected_failures"] == 3);
    REQUIRE(eventually([&] { return server.counters()["watches"] == 1; }));

    server.fail_next(2, 429);
    server.close_watches();
    REQUIRE(eventually([&] { return server.counters()["watches"] == 2; }));  // the two 429s never reached the handler
    CHECK(server.counters()["injected_failures"] == 5);
    server.put_node(kube_standin::make_node("b", {"10.155.41.0/24"}, {"10.155.0.41"}));
    REQUIRE(take_signal(watch.changed_fd()));
    CHECK(watch.snapshot().count("b") == 1);
    CHECK(server.counters()["lists"] == 1);  // a failed watch start is retried from the same version
}

TEST_CASE("set_network_available merges the NetworkUnavailable condition by type") {
    kube_standin server;
    auto n = kube_standin::make_node("n1", {"10.155.50.0/24"}, {"10.155.0.50"});
    n["status"]["conditions"] = nlohmann::json::array(
        {{{"type", "Ready"}, {"status", "True"}},
         {{"type", "NetworkUnavailable"}, {"status", "True"}, {"reason", "NoRouteCreated"}}});
    server.put_node(n);
    kube::client api(server.access());
    kube::set_network_available(api, "n1");
    const auto conditions = server.conditions("n1");
    REQUIRE(conditions.size() == 2);
    bool ready = false, network = false;
    for (const auto& c : conditions) {
        if (c["type"] == "Ready") ready = c["status"] == "True";
        if (c["type"] == "NetworkUnavailable") {
            network = true;
            CHECK(c["status"] == "False");
            CHECK(c["reason"] == "WharfIsUp");
            CHECK(c["message"].get<std::string>().size() > 0);
            CHECK(c["lastTransitionTime"].get<std::string>().size() == 20);
            CHECK(c["lastHeartbeatTime"] == c["lastTransitionTime"]);
        }
    }
    CHECK(ready);
    CHECK(network);
    CHECK(server.counters()["patches"] == 1);
    CHECK(status_of([&] { kube::set_network_available(api, "absent"); }) == 404);
}

TEST_CASE("interrupt() ends a watch in progress, and a node_watch stops when destroyed") {
    kube_standin server;  // bookmarks each second: the watch below would otherwise never end
    kube::client api(server.access());
    std::promise<std::string> outcome;
    auto result = outcome.get_future();
    std::thread watcher([&] {
        try {
            api.watch("/api/v1/nodes?watch=1&allowWatchBookmarks=true&timeoutSeconds=300", [](std::string_view) { return true; });
            outcome.set_value("returned");
        } catch (const kube::interrupted&) {
            outcome.set_value("interrupted");
        } catch (const std::exception& e) {
            outcome.set_value(e.what());
        }
    });
    REQUIRE(eventually([&] { return server.counters()["watches"] == 1; }));
    api.interrupt();
    const bool ended = result.wait_for(10s) == std::future_status::ready;
    CHECK(ended);
    watcher.join();
    if (ended) CHECK(result.get() == "interrupted");
    CHECK_THROWS_AS(api.get("/api/v1/nodes"), kube::interrupted);

    auto watch = std::make_unique<kube::node_watch>(server.access(), quick());
    REQUIRE(take_signal(watch->changed_fd()));
    REQUIRE(eventually([&] { return server.counters()["watches"] == 2; }));
    auto gone = std::async(std::launch::async, [&] { watch.reset(); });
    CHECK(gone.wait_for(10s) == std::future_status::ready);
}

TEST_CASE("a node_watch against a server that is not there keeps retrying and stops when destroyed") {
    std::string server;
    kube::api_access access;
    {
        kube_standin gone;
        access = gone.access();
        access.ca_file.clear();
        server = gone.server();
    }
    access.server = server;  // the port is closed now
    auto watch = std::make_unique<kube::node_watch>(access, quick());
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(watch->synced());
    auto stopped = std::async(std::launch::async, [&] { watch.reset(); });
    CHECK(stopped.wait_for(10s) == std::future_status::ready);
}

TEST_CASE("a stand-in inside a network namespace, watched from a thread in that namespace") {
    test::netns_sandbox underlay("wka");
    const std::string address = "10.155." + std::to_string(::getpid() % 200 + 20) + ".1";
    int rc = -1;
    underlay.exec("ip link set lo up", &rc);
    REQUIRE(rc == 0);
    underlay.exec("ip addr add " + address + "/32 dev lo", &rc);  // each a command of its own: exec runs one
    REQUIRE(rc == 0);
    test::kube_standin_options o;
    o.address = address;
    o.netns_path = underlay.path();
    kube_standin server(o);
    server.put_node(kube_standin::make_node("far", {"10.155.60.0/24"}, {address}));
    std::promise<std::size_t> seen;
    auto count = seen.get_future();
    std::thread inside([&] {
        try {
            netns::guard in(netns::handle::open(underlay.path()));
            // The watch's own thread starts here, so it too lives in the underlay namespace.
            kube::node_watch watch(kube::load_kubeconfig(server.kubeconfig()), quick());
            seen.set_value(take_signal(watch.changed_fd()) ? watch.snapshot().size() : 0);
        } catch (...) {
            seen.set_exception(std::current_exception());
        }
    });
    inside.join();
    CHECK(count.get() == 1);
    CHECK(server.counters()["lists"] == 1);
}
