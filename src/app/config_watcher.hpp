// Watches the configuration file (and the files it names: the admin token, TLS certificates,
// keys and CA files) for changes and asks for a reload, so a Kubernetes ConfigMap edit or a
// renewed certificate applies without a restart or a SIGHUP.
//
// inotify watches the DIRECTORIES holding the files, not the files: Kubernetes updates a
// mounted ConfigMap by swapping the `..data` symlink to a new directory, and editors and
// `kubectl cp` replace a file by renaming a new one over it; both are events in the directory
// while the old file's inode never changes. Bursts of events are debounced, and a reload is
// asked for only when the files' bytes differ from the last ones seen, so unrelated files in
// the directory cause nothing.
//
// Owned by the application; runs on the control io_context's thread, like the SIGHUP handler,
// and calls on_change there. When inotify is unavailable it logs a warning and does nothing
// (SIGHUP still reloads).
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace shadowproxy::app {

class config_watcher {
public:
    config_watcher(boost::asio::io_context& context, std::function<void()> on_change);
    ~config_watcher();
    config_watcher(const config_watcher&) = delete;
    config_watcher& operator=(const config_watcher&) = delete;

    // Watches the directories of `files` from now on (replacing earlier watches). The files'
    // current bytes are the baseline: only later differences call on_change.
    void watch(std::vector<std::string> files);
    void stop();

    // Quiet time after the last event before the files are compared.
    static constexpr std::chrono::milliseconds settle_time{200};

private:
    void read_events();
    void on_settled();
    std::string fingerprint() const;

    boost::asio::posix::stream_descriptor inotify_;
    boost::asio::steady_timer settle_;
    std::function<void()> on_change_;
    std::vector<std::string> files_;
    std::vector<int> watches_;
    std::string last_seen_;
    std::array<char, 4096> events_{};
    bool reading_ = false;
};

}  // namespace shadowproxy::app
