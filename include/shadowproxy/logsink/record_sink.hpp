// Asynchronous JSON-lines writer for comparison records (docs/config.md `log`, §5).
//
// Owned by the application, one per process. write() may be called from any thread: it never
// blocks on I/O and never throws; it hands the line to a bounded queue that one writer thread
// drains, coalescing many lines per write(2) (a batch waits up to 2 ms for more lines). Overflow
// policy: discard_new — when the queue is full the new line is dropped and counted. I/O failures
// (unwritable path, full disk, /dev/full) count the affected lines as dropped, are reported through
// spdlog at most once a second (repeats counted), and the writer retries on the next batch; the
// proxy keeps going. Rotation by size: comparisons.jsonl → comparisons.1.jsonl (newest) …
// .<max_files>.jsonl; a line is never split across files. "-" writes to stdout without rotation. An
// existing live file is appended to and its size counts towards max_file_bytes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shadowproxy/config/config.hpp"

namespace shadowproxy::logsink {

namespace detail {
class rotating_file;
}

class record_sink {
public:
    explicit record_sink(const config::log_config& settings, std::size_t queue_capacity = 65536);
    ~record_sink();  // writes what is queued, then joins the writer thread
    record_sink(const record_sink&) = delete;
    record_sink& operator=(const record_sink&) = delete;

    // Queues one line (ending in '\n'; one is added if missing). False: dropped and counted.
    bool write(std::string&& line) noexcept;

    // Waits until every line queued before the call is written or dropped, or timeout passes.
    void flush(std::chrono::milliseconds timeout);

    // SIGHUP: lines already queued go to the old file, later ones to the new path/rotation.
    void reconfigure(const config::log_config& settings);

    std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    std::size_t queue_depth() const;

private:
    // A batch is written once its first line has waited batch_window, or at batch_lines lines;
    // a flush, a reconfigure or the shutdown writes at once.
    static constexpr std::chrono::milliseconds batch_window{2};
    static constexpr std::size_t batch_lines = 512;

    void run();
    void report(const std::string& path, const std::string& error, std::uint64_t dropped_lines);

    std::unique_ptr<detail::rotating_file> file_;  // the writer thread's, once it runs
    const std::size_t capacity_;

    mutable std::mutex mutex_;
    std::condition_variable wake_writer_;
    std::condition_variable batch_done_;
    std::vector<std::string> queue_;
    std::optional<config::log_config> pending_settings_;
    std::uint64_t accepted_ = 0;  // lines ever queued
    std::uint64_t finished_ = 0;  // lines ever written or dropped by the writer
    std::uint64_t reconfigures_requested_ = 0;
    std::uint64_t reconfigures_applied_ = 0;  // flush() also waits for these to catch up
    unsigned flushes_waiting_ = 0;  // flush() calls waiting: the writer does not linger for them
    bool stopping_ = false;

    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::uint64_t> dropped_{0};

    // Error reporting rate limit, writer thread only.
    std::chrono::steady_clock::time_point last_report_{};
    std::uint64_t suppressed_reports_ = 0;

    std::thread writer_;  // last: starts after everything above exists
};

}  // namespace shadowproxy::logsink
