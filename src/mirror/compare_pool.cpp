#include "mirror/compare_pool.hpp"

#include <boost/asio/post.hpp>

#include "mirror/shadow.hpp"
#include "shadowproxy/platform/thread_role.hpp"

namespace shadowproxy::mirror {

namespace {

// Comparisons waiting per pool thread before the mirror thread takes them: each holds a request
// body and two answer captures (compare.max_body_bytes each), so the bound is in memory too.
constexpr std::size_t pending_per_thread = 32;

void compare_and_record(const std::shared_ptr<comparison_pair>& pair) {
    pair->target->record(*pair);
}

}  // namespace

compare_pool::~compare_pool() {
    stop();
}

void compare_pool::start(unsigned threads) {
    max_pending_ = threads * pending_per_thread;
    if (threads == 0) {
        return;
    }
    work_.emplace(context_.get_executor());
    for (unsigned i = 0; i < threads; ++i) {
        threads_.emplace_back([this] {
            platform::enter_thread_role("sp-compare", platform::thread_role::background);
            context_.run();
        });
    }
}

void compare_pool::submit(std::shared_ptr<comparison_pair> pair) {
    // Without pool threads (the default) no counter is touched: straight to the mirror thread.
    const bool pooled = !threads_.empty();
    if (pooled && pending_.fetch_add(1, std::memory_order_relaxed) < max_pending_) {
        boost::asio::post(context_, [this, pair = std::move(pair)] {
            compare_and_record(pair);
            pending_.fetch_sub(1, std::memory_order_relaxed);
        });
        return;
    }
    if (pooled) {
        pending_.fetch_sub(1, std::memory_order_relaxed);
    }
    boost::asio::post(mirror_, [pair = std::move(pair)] { compare_and_record(pair); });
}

void compare_pool::stop() {
    work_.reset();
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    threads_.clear();
}

}  // namespace shadowproxy::mirror
