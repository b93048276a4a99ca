#include "app/config_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace shadowproxy::app {

namespace {

// Every way a file can appear, change or vanish in a directory, including the rename of a
// `..data` symlink over the old one.
constexpr std::uint32_t watched_events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                         IN_DELETE | IN_ATTRIB | IN_DELETE_SELF;

std::string directory_of(const std::string& file) {
    const auto parent = std::filesystem::path(file).parent_path();
    return parent.empty() ? std::string{"."} : parent.string();
}

}  // namespace

config_watcher::config_watcher(boost::asio::io_context& context, std::function<void()> on_change)
    : inotify_(context), settle_(context), on_change_(std::move(on_change)) {}

config_watcher::~config_watcher() {
    stop();
}

void config_watcher::watch(std::vector<std::string> files) {
    if (!inotify_.is_open()) {
        const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) {
            spdlog::warn("config watch unavailable (inotify: {}); reload with SIGHUP",
                         std::strerror(errno));
            return;
        }
        inotify_.assign(fd);
    }
    for (const int wd : watches_) {
        inotify_rm_watch(inotify_.native_handle(), wd);
    }
    watches_.clear();
    std::vector<std::string> directories;
    for (const auto& file : files) {
        const std::string directory = directory_of(file);
        if (std::find(directories.begin(), directories.end(), directory) != directories.end()) {
            continue;
        }
        directories.push_back(directory);
        const int wd =
            inotify_add_watch(inotify_.native_handle(), directory.c_str(), watched_events);
        if (wd < 0) {
            spdlog::warn("cannot watch {} for config changes: {}", directory, std::strerror(errno));
            continue;
        }
        watches_.push_back(wd);
    }
    files_ = std::move(files);
    last_seen_ = fingerprint();
    if (!reading_) {
        read_events();
    }
}

void config_watcher::stop() {
    boost::system::error_code ignored;
    settle_.cancel();
    inotify_.close(ignored);
}

void config_watcher::read_events() {
    reading_ = true;
    inotify_.async_read_some(boost::asio::buffer(events_),
                             [this](const boost::system::error_code& ec, std::size_t) {
                                 if (ec) {
                                     reading_ = false;
                                     return;
                                 }
                                 // The events themselves do not matter: the bytes of the files
                                 // decide, once the burst is over.
                                 settle_.expires_after(settle_time);
                                 settle_.async_wait([this](const boost::system::error_code& e) {
                                     if (!e) {
                                         on_settled();
                                     }
                                 });
                                 read_events();
                             });
}

void config_watcher::on_settled() {
    std::string now = fingerprint();
    if (now == last_seen_) {
        return;
    }
    last_seen_ = std::move(now);
    spdlog::info("config change seen in {}: reloading", files_.empty() ? "" : files_.front());
    on_change_();
}

// The files' bytes, each preceded by its size, so a file that vanished or moved content to
// another differs too. Follows symlinks, as the reload does.
std::string config_watcher::fingerprint() const {
    std::string out;
    for (const auto& file : files_) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            out.append("-1:");
            continue;
        }
        const std::string bytes(std::istreambuf_iterator<char>(in), {});
        out.append(std::to_string(bytes.size())).append(":").append(bytes);
    }
    return out;
}

}  // namespace shadowproxy::app
