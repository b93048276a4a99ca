#include "shadowproxy/upstream/resolver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include "shadowproxy/platform/thread_role.hpp"

namespace shadowproxy::upstream {

namespace {

// How soon a name that did not resolve is tried again (its interval when that is shorter).
constexpr std::chrono::milliseconds retry_interval{1000};

endpoint_list sorted(endpoint_list list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    return list;
}

}  // namespace

endpoint_list system_lookup(const std::string& host, std::uint16_t port, std::string& error) {
    boost::asio::io_context context;
    tcp::resolver lookup{context};
    boost::system::error_code ec;
    const auto results = lookup.resolve(host, std::to_string(port), ec);
    endpoint_list out;
    if (ec) {
        error = ec.message();
        return out;
    }
    for (const auto& entry : results) {
        out.push_back(entry.endpoint());
    }
    if (out.empty()) {
        error = "no address";
    }
    return out;
}

resolved_name::resolved_name(std::string host, std::uint16_t port,
                             std::chrono::milliseconds interval)
    : host_(std::move(host)), port_(port), interval_(interval) {}

std::shared_ptr<const endpoint_list> resolved_name::endpoints() const {
    std::lock_guard lock(mutex_);
    return endpoints_;
}

std::string resolved_name::last_error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void resolved_name::update(endpoint_list answer, const std::string& error) {
    {
        std::lock_guard lock(mutex_);
        if (answer.empty()) {
            error_ = error.empty() ? std::string{"no address"} : error;
        } else {
            error_.clear();
            auto next = sorted(std::move(answer));
            if (!endpoints_ || *endpoints_ != next) {
                endpoints_ = std::make_shared<const endpoint_list>(std::move(next));
                generation_.fetch_add(1, std::memory_order_acq_rel);
            }
        }
    }
    looked_up_.store(true, std::memory_order_release);
}

resolver::resolver(lookup_function lookup) : lookup_(std::move(lookup)) {}

resolver::~resolver() {
    stop();
}

std::shared_ptr<resolved_name> resolver::watch(const std::string& host, std::uint16_t port,
                                               std::chrono::milliseconds interval) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [](const entry& e) { return e.name.expired(); });
    for (const auto& e : entries_) {
        auto name = e.name.lock();
        if (name && name->host() == host && name->port() == port && name->interval() == interval) {
            return name;
        }
    }
    auto name = std::make_shared<resolved_name>(host, port, interval);
    entries_.push_back({name, clock::time_point::min()});
    wake_.notify_all();
    return name;
}

void resolver::wait_first_lookups(const std::vector<std::shared_ptr<resolved_name>>& names,
                                  clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, deadline, [&names] {
        return std::all_of(names.begin(), names.end(),
                           [](const auto& name) { return name->looked_up(); });
    });
}

resolver::clock::time_point resolver::refresh_due(clock::time_point now) {
    std::vector<std::shared_ptr<resolved_name>> due;
    {
        std::lock_guard lock(mutex_);
        std::erase_if(entries_, [](const entry& e) { return e.name.expired(); });
        for (auto& e : entries_) {
            if (e.next <= now) {
                if (auto name = e.name.lock()) {
                    due.push_back(std::move(name));
                }
            }
        }
    }
    // The lookups run without the lock: watch() and wait_first_lookups() stay responsive while
    // getaddrinfo blocks.
    for (const auto& name : due) {
        std::string error;
        auto answer = lookup_(name->host(), name->port(), error);
        const bool found = !answer.empty();
        const bool was_failing = !name->last_error().empty();
        name->update(std::move(answer), error);
        // One line when a name starts or stops failing, not one per retry.
        if (!found && !was_failing) {
            spdlog::warn("cannot resolve {}:{}: {} (retrying; {})", name->host(), name->port(),
                         name->last_error(),
                         name->resolved() ? "keeping the last addresses" : "no address yet");
        } else if (found && was_failing) {
            spdlog::info("{}:{} resolves again", name->host(), name->port());
        }
        const auto wait = found ? name->interval() : std::min(name->interval(), retry_interval);
        std::lock_guard lock(mutex_);
        for (auto& e : entries_) {
            if (e.name.lock() == name) {
                e.next = now + wait;
            }
        }
    }
    std::lock_guard lock(mutex_);
    wake_.notify_all();
    auto next = clock::time_point::max();
    for (const auto& e : entries_) {
        next = std::min(next, e.next);
    }
    return next;
}

void resolver::start() {
    thread_ = std::thread([this] { run(); });
}

void resolver::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        wake_.notify_all();
    }
    if (thread_.joinable()) {
        thread_.join();
    }
}

void resolver::run() {
    platform::enter_thread_role("sp-resolver", platform::thread_role::background);
    for (;;) {
        // Bounded so that a far or infinite "next" never reaches the condition variable.
        const auto now = clock::now();
        const auto next = std::min(refresh_due(now), now + std::chrono::hours(1));
        std::unique_lock lock(mutex_);
        if (stopping_) {
            return;
        }
        // Woken early by watch() (a new name is due now) or stop().
        wake_.wait_until(lock, next, [this, next] {
            return stopping_ || std::any_of(entries_.begin(), entries_.end(),
                                            [next](const auto& e) { return e.next < next; });
        });
        if (stopping_) {
            return;
        }
    }
}

}  // namespace shadowproxy::upstream
