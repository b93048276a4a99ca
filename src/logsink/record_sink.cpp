#include "shadowproxy/logsink/record_sink.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <utility>

#include "logsink/rotating_file.hpp"
#include "shadowproxy/platform/thread_role.hpp"

namespace shadowproxy::logsink {

namespace {

constexpr std::chrono::seconds report_interval{1};

// A closed stdout pipe or FIFO reader must fail the write with EPIPE, not kill the proxy: the
// signal raised by write(2) goes to the writing thread, so blocking it here is enough.
void block_sigpipe_in_this_thread() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

record_sink::record_sink(const config::log_config& settings, std::size_t queue_capacity)
    : file_(std::make_unique<detail::rotating_file>(settings)), capacity_(queue_capacity) {
    // Opening here reports a bad path at start-up; the writer retries later either way.
    if (auto error = file_->open(); !error.empty()) {
        report(file_->path(), error, 0);
    }
    writer_ = std::thread([this] { run(); });
}

record_sink::~record_sink() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_writer_.notify_one();
    writer_.join();
}

bool record_sink::write(std::string&& line) noexcept {
    try {
        bool wake = false;
        {
            std::lock_guard lock(mutex_);
            if (stopping_ || queue_.size() >= capacity_) {
                dropped_.fetch_add(1, std::memory_order_relaxed);
                return false;
            }
            // The writer needs waking for the first line of a batch, and early for a full one;
            // the lines between ride along without a notify.
            wake = queue_.empty() || queue_.size() + 1 == batch_lines;
            queue_.push_back(std::move(line));
            ++accepted_;
        }
        if (wake) {
            wake_writer_.notify_one();
        }
        return true;
    } catch (...) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
}

void record_sink::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = accepted_;
    const std::uint64_t reconfigures = reconfigures_requested_;
    ++flushes_waiting_;
    wake_writer_.notify_one();
    batch_done_.wait_for(lock, timeout, [&] {
        return finished_ >= target && reconfigures_applied_ >= reconfigures;
    });
    --flushes_waiting_;
}

void record_sink::reconfigure(const config::log_config& settings) {
    {
        std::lock_guard lock(mutex_);
        pending_settings_ = settings;
        ++reconfigures_requested_;
    }
    wake_writer_.notify_one();
}

std::size_t record_sink::queue_depth() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void record_sink::run() {
    platform::enter_thread_role("sp-records", platform::thread_role::background);
    block_sigpipe_in_this_thread();
    std::vector<std::string> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_writer_.wait(lock, [&] { return stopping_ || !queue_.empty() || pending_settings_; });
        if (stopping_ && queue_.empty() && !pending_settings_) {
            return;
        }
        // One write(2) and one wake-up per batch_window rather than per line at moderate rates.
        wake_writer_.wait_for(lock, batch_window, [&] {
            return stopping_ || pending_settings_ || flushes_waiting_ > 0 ||
                   queue_.size() >= batch_lines;
        });
        // Swap the whole queue out so producers only ever wait for this swap, never for I/O.
        batch.swap(queue_);
        std::optional<config::log_config> settings = std::exchange(pending_settings_, std::nullopt);
        const std::uint64_t reconfigures = reconfigures_requested_;
        lock.unlock();

        if (!batch.empty()) {
            const auto result = file_->write(batch);
            written_.fetch_add(result.written, std::memory_order_relaxed);
            dropped_.fetch_add(result.dropped, std::memory_order_relaxed);
            if (!result.error.empty()) {
                report(file_->path(), result.error, result.dropped);
            }
        }
        if (settings) {
            file_ = std::make_unique<detail::rotating_file>(*settings);
            if (auto error = file_->open(); !error.empty()) {
                report(file_->path(), error, 0);
            }
        }
        const std::uint64_t done = batch.size();
        batch.clear();

        lock.lock();
        finished_ += done;
        reconfigures_applied_ = reconfigures;
        batch_done_.notify_all();
    }
}

void record_sink::report(const std::string& path, const std::string& error,
                         std::uint64_t dropped_lines) {
    const auto now = std::chrono::steady_clock::now();
    if (last_report_ != std::chrono::steady_clock::time_point{} &&
        now - last_report_ < report_interval) {
        ++suppressed_reports_;
        return;
    }
    spdlog::error(
        "comparison log {}: {}; {} records dropped now, {} dropped in all, {} similar "
        "errors suppressed since the last report",
        path, error, dropped_lines, dropped(), suppressed_reports_);
    last_report_ = now;
    suppressed_reports_ = 0;
}

}  // namespace shadowproxy::logsink
