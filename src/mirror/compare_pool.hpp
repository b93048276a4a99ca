// The threads that compare answers and write records when mirror.compare_threads > 0, so the
// mirror thread's shadow I/O does not wait behind comparisons and the comparison work can use
// more cores than one. Off by default: each hand-over is a thread wake-up, which cost more than
// it saved on the 2-core machine it was measured on (docs/architecture.md, "Where the mirror
// work runs").
//
// Owned by mirror_service. submit() may be called from a worker (production answered last) or
// from the mirror thread (the shadow answered last); it never blocks and never runs a
// comparison on the caller's thread. With no threads, or when `max_pending` comparisons already
// wait, the comparison is posted to the mirror thread instead: a backlog then slows the mirror
// thread's sends and shows as counted queue_full drops rather than as memory. Never throws
// beyond std::bad_alloc.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace shadowproxy::mirror {

struct comparison_pair;

class compare_pool {
public:
    explicit compare_pool(boost::asio::io_context& mirror) : mirror_(mirror) {}
    ~compare_pool();
    compare_pool(const compare_pool&) = delete;
    compare_pool& operator=(const compare_pool&) = delete;

    // Control thread, once, before any submit().
    void start(unsigned threads);
    // Both answers of the pair are in: compare and record it on a pool thread.
    void submit(std::shared_ptr<comparison_pair> pair);
    // After every pair was recorded (mirror_service::drain): joins the threads.
    void stop();

private:
    boost::asio::io_context& mirror_;
    boost::asio::io_context context_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
    std::size_t max_pending_ = 0;
    std::atomic<std::size_t> pending_{0};
};

}  // namespace shadowproxy::mirror
