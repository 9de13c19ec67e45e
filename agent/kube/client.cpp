#include "kube/client.hpp"

#include <curl/curl.h>

#include <charconv>
#include <exception>
#include <memory>
#include <utility>

#include "json/json.hpp"
#include "log/logging.hpp"

namespace wharf::kube {

namespace {

void init_curl_once() {
    static const CURLcode status = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (status != CURLE_OK) throw transport_error(std::string("curl_global_init: ") + curl_easy_strerror(status));
}

struct easy_cleanup {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct multi_cleanup {
    void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
struct slist_cleanup {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using easy_ptr = std::unique_ptr<CURL, easy_cleanup>;
using multi_ptr = std::unique_ptr<CURLM, multi_cleanup>;
using slist_ptr = std::unique_ptr<curl_slist, slist_cleanup>;

// The Status object's message when the body is one, else the start of the body.
std::string status_message(const std::string& body) {
    try {
        const auto j = nlohmann::json::parse(body);
        if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
    return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

std::chrono::seconds retry_after(CURL* h) {
    curl_header* header = nullptr;
    if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &header) != CURLHE_OK || !header) return std::chrono::seconds(0);
    const std::string_view v = header->value;
    long seconds = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    (void)end;
    return ec == std::errc() && seconds > 0 ? std::chrono::seconds(seconds) : std::chrono::seconds(0);
}

}  // namespace

// One request and the state its libcurl callbacks share.
struct client::request {
    std::string method = "GET";
    std::string path;
    std::string body;
    std::string content_type;
    const std::function<bool(std::string_view)>* on_line = nullptr;  // a watch
    std::chrono::milliseconds timeout{0};

    // Per attempt:
    CURL* easy = nullptr;
    std::string received;     // the body, or for a watch the part of a line not yet complete
    bool streaming = false;   // a watch answered 200: lines go to on_line
    bool stopped = false;     // on_line asked to stop
    std::exception_ptr failure;
    std::chrono::seconds retry_after{0};

    static size_t on_data(char* data, size_t size, size_t count, void* self) noexcept {
        auto& r = *static_cast<request*>(self);
        const size_t n = size * count;
        try {
            if (r.on_line && !r.streaming && r.received.empty()) {
                long status = 0;
                curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &status);
                r.streaming = status == 200;
            }
            r.received.append(data, n);
            if (!r.streaming) return n;
            size_t start = 0;
            for (size_t nl; (nl = r.received.find('\n', start)) != std::string::npos; start = nl + 1) {
                const std::string_view line(r.received.data() + start, nl - start);
                if (!line.empty() && !(*r.on_line)(line)) {
                    r.stopped = true;
                    return 0;
                }
            }
            r.received.erase(0, start);
            return n;
        } catch (...) {
            r.failure = std::current_exception();
            return 0;
        }
    }
};

client::client(api_access access, client_options options) : access_(std::move(access)), options_(options) {
    init_curl_once();
    if (access_.server.empty()) throw config_error("kube client: no server given");
}

client::~client() = default;

void client::interrupt() noexcept {
    interrupted_ = true;
    std::lock_guard lock(mutex_);
    for (void* m : active_) curl_multi_wakeup(static_cast<CURLM*>(m));
}

std::string client::current_token() {
    std::lock_guard lock(mutex_);
    return access_.token;
}

http_response client::get(const std::string& path) {
    request r;
    r.path = path;
    r.timeout = options_.request_timeout;
    return perform(r);
}

http_response client::patch(const std::string& path, const std::string& body, const std::string& content_type) {
    request r;
    r.method = "PATCH";
    r.path = path;
    r.body = body;
    r.content_type = content_type;
    r.timeout = options_.request_timeout;
    return perform(r);
}

void client::watch(const std::string& path, const std::function<bool(std::string_view)>& on_line,
                   std::chrono::milliseconds timeout) {
    request r;
    r.path = path;
    r.on_line = &on_line;
    r.timeout = timeout;
    perform(r);
}

http_response client::perform(request& r) {
    const std::string token = current_token();
    http_response response = perform_once(r, token);
    if (response.status == 401 && !access_.token_file.empty()) {
        std::string fresh;
        try {
            fresh = read_token_file(access_.token_file);
        } catch (const config_error& e) {
            throw api_error(401, status_message(response.body) + " (and re-reading the token failed: " + e.what() + ")");
        }
        log::info("kube: {} {} answered 401 Unauthorized; retrying with the token re-read from {}", r.method, r.path,
                  access_.token_file);
        {
            std::lock_guard lock(mutex_);
            access_.token = fresh;
        }
        response = perform_once(r, fresh);
    }
    if (response.status >= 400) throw api_error(response.status, status_message(response.body), r.retry_after);
    return response;
}

http_response client::perform_once(request& r, const std::string& token) {
    if (interrupted_) throw interrupted();
    easy_ptr easy(curl_easy_init());
    multi_ptr multi(curl_multi_init());
    if (!easy || !multi) throw transport_error("curl: cannot make a handle");
    r.easy = easy.get();
    r.received.clear();
    r.streaming = r.stopped = false;
    r.failure = nullptr;

    char error_text[CURL_ERROR_SIZE] = "";
    CURL* h = easy.get();
    const std::string url = access_.server + r.path;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_blob ca_blob{const_cast<char*>(access_.ca_pem.data()), access_.ca_pem.size(), CURL_BLOB_COPY};
    if (!access_.ca_pem.empty())
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca_blob);
    else if (!access_.ca_file.empty())
        curl_easy_setopt(h, CURLOPT_CAINFO, access_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    if (r.timeout.count() > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "wharfd");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &request::on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);

    curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    slist_ptr header_list(headers);
    const std::string authorization = "Authorization: Bearer " + token;
    if (!token.empty()) header_list.reset(headers = curl_slist_append(header_list.release(), authorization.c_str()));
    const std::string content_type = "Content-Type: " + r.content_type;
    if (!r.content_type.empty()) header_list.reset(headers = curl_slist_append(header_list.release(), content_type.c_str()));
    if (!headers) throw transport_error("curl: cannot make the header list");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
    if (r.method != "GET") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }

    if (curl_multi_add_handle(multi.get(), h) != CURLM_OK) throw transport_error("curl: cannot start the request");
    {
        std::lock_guard lock(mutex_);
        active_.insert(multi.get());
    }
    // Whatever happens below, the request leaves active_ before its handles go.
    struct deregister {
        client& c;
        CURLM* m;
        CURL* e;
        ~deregister() {
            {
                std::lock_guard lock(c.mutex_);
                c.active_.erase(m);
            }
            curl_multi_remove_handle(m, e);
        }
    } guard{*this, multi.get(), h};

    CURLcode result = CURLE_OK;
    for (int running = 1; running;) {
        if (interrupted_) throw interrupted();
        if (curl_multi_perform(multi.get(), &running) != CURLM_OK) throw transport_error("curl_multi_perform failed");
        if (running && curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr) != CURLM_OK)
            throw transport_error("curl_multi_poll failed");
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left))
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;

    if (r.failure) std::rethrow_exception(r.failure);
    http_response response;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    if (result != CURLE_OK && !(r.stopped && result == CURLE_WRITE_ERROR)) {
        const std::string detail = error_text[0] ? error_text : curl_easy_strerror(result);
        throw transport_error(r.method + " " + url + ": " + detail);
    }
    if (r.streaming) {
        if (!r.stopped && !r.received.empty()) (*r.on_line)(r.received);
        return response;
    }
    response.body = std::move(r.received);
    r.retry_after = retry_after(h);
    return response;
}

}  // namespace wharf::kube
