// Production's answer is relayed, not stored: SSE events reach the client as production sends
// them, answers of any size pass byte for byte with the proxy's memory bounded, a slow client
// slows the read from production, and the comparator gets a bounded prefix.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>
#include <thread>

#include "support/proxy_process.hpp"
#include "support/stream_upstream.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::size_t mib = 1024 * 1024;

std::string production_only(const stream_upstream& production) {
    return "production: {name: model-v1, url: \"" + production.url() + "\"}\n";
}

// VmHWM (peak resident set) or VmRSS of a process, in KiB; 0 when unknown.
long status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            return std::stol(line.substr(field.size() + 1));
        }
    }
    return 0;
}

// Deterministic body bytes: block `index` of `size` bytes (xorshift, so not compressible and
// every block differs).
std::string block(std::size_t index, std::size_t size) {
    std::string out(size, '\0');
    std::uint64_t x = 0x9E3779B97F4A7C15ULL * (index + 1);
    for (std::size_t i = 0; i < size; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::memcpy(out.data() + i, &x, std::min<std::size_t>(8, size - i));
    }
    return out;
}

std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    }
    return hash;
}
constexpr std::uint64_t fnv_basis = 0xCBF29CE484222325ULL;

// An upstream answering GET /big with `total` bytes under Content-Length, in 1 MiB blocks.
stream_answer big_answer(std::size_t total) {
    return [total](const std::string&, stream_connection& out) {
        if (!out.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                       "Content-Length: " +
                       std::to_string(total) + "\r\n\r\n")) {
            return false;
        }
        for (std::size_t sent = 0, i = 0; sent < total; ++i) {
            const std::size_t n = std::min(mib, total - sent);
            if (!out.write(block(i, n))) {
                return false;
            }
            sent += n;
        }
        return true;
    };
}

std::uint64_t expected_checksum(std::size_t total) {
    std::uint64_t hash = fnv_basis;
    for (std::size_t sent = 0, i = 0; sent < total; ++i) {
        const std::size_t n = std::min(mib, total - sent);
        hash = fnv1a(hash, block(i, n));
        sent += n;
    }
    return hash;
}

// Reads the head of an answer from `client`; returns it (up to and with the blank line) and
// leaves only body bytes in client.received().
std::string read_head(stream_client& client) {
    const auto deadline = steady::now() + 30s;
    while (steady::now() < deadline) {
        const auto end = client.received().find("\r\n\r\n");
        if (end != std::string::npos) {
            std::string head = client.received().substr(0, end + 4);
            client.discard(end + 4);
            return head;
        }
        if (client.read_some(1s) < 0) {
            break;
        }
    }
    return {};
}

TEST(ProxyStreaming, SseEventsReachTheClientAsProductionSendsThem) {
    constexpr int events = 10;
    const auto first_event = steady::now() + 1500ms;
    stream_upstream production{[&](const std::string&, stream_connection& out) {
        if (!out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n")) {
            return false;
        }
        for (int i = 0; i < events; ++i) {
            std::this_thread::sleep_until(first_event + i * 200ms);
            if (!out.write_chunk("data: event-" + std::to_string(i) + "\n\n")) {
                return false;
            }
        }
        return out.write_chunk("");
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    const std::string request = "GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n";
    std::array<std::array<steady::time_point, events>, 2> arrival{};
    std::array<std::string, 2> raw;
    auto reader = [&](int which, unsigned short port) {
        stream_client client{port, request};
        int next = 0;
        const auto deadline = steady::now() + 30s;
        while (next < events && steady::now() < deadline && client.read_some(1s) >= 0) {
            while (next < events && client.received().find("data: event-" + std::to_string(next) +
                                                           "\n\n") != std::string::npos) {
                arrival[which][next++] = steady::now();
            }
        }
        while (client.received().find("\r\n0\r\n\r\n") == std::string::npos &&
               steady::now() < deadline && client.read_some(1s) >= 0) {
        }
        raw[which] = client.received();
    };
    std::thread direct{reader, 0, production.port()};
    std::thread proxied{reader, 1, proxy.port()};
    direct.join();
    proxied.join();

    for (int i = 0; i < events; ++i) {
        ASSERT_NE(arrival[0][i], steady::time_point{}) << "direct event " << i << "\n" << raw[0];
        ASSERT_NE(arrival[1][i], steady::time_point{}) << "proxied event " << i << "\n" << raw[1];
        const auto late =
            std::chrono::duration_cast<std::chrono::milliseconds>(arrival[1][i] - arrival[0][i]);
        EXPECT_LT(late, 50ms) << "event " << i << " reached the client late through the proxy";
    }
    const auto head_end = raw[1].find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    const std::string head = raw[1].substr(0, head_end + 4);
    EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
    EXPECT_NE(head.find("X-Request-Id: "), std::string::npos) << head;
    std::string body;
    bool complete = false;
    ASSERT_TRUE(decode_chunked(std::string_view{raw[1]}.substr(head_end + 4), body, complete));
    EXPECT_TRUE(complete);
    std::string expected;
    for (int i = 0; i < events; ++i) {
        expected += "data: event-" + std::to_string(i) + "\n\n";
    }
    EXPECT_EQ(body, expected);
}

TEST(ProxyStreaming, HugeAnswerArrivesWholeWithBoundedMemory) {
    constexpr std::size_t total = 200 * mib;
    stream_upstream production{big_answer(total)};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    {
        // Warm up: the worker's buffers and the pool exist before the peak is taken.
        stream_client warm{proxy.port(),
                           "GET /warm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"};
        while (warm.read_some(10s) > 0) {
            warm.discard();
        }
    }
    const long before = status_kib(proxy.pid(), "VmHWM");
    ASSERT_GT(before, 0);

    stream_client client{proxy.port(), "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"};
    const std::string head = read_head(client);
    ASSERT_EQ(head.rfind("HTTP/1.1 200 ", 0), 0U) << head;
    EXPECT_NE(head.find("Content-Length: " + std::to_string(total) + "\r\n"), std::string::npos)
        << head;
    std::uint64_t hash = fnv1a(fnv_basis, client.received());
    std::size_t received = client.received().size();
    client.discard();
    while (received < total) {
        const long n = client.read_some(30s, 1 << 20);
        if (n <= 0) {
            break;
        }
        hash = fnv1a(hash, client.received());
        received += client.received().size();
        client.discard();
    }
    ASSERT_EQ(received, total);
    EXPECT_EQ(hash, expected_checksum(total));
    const long growth = status_kib(proxy.pid(), "VmHWM") - before;
    EXPECT_LT(growth, 32 * 1024) << "peak RSS grew by " << growth << " KiB";
}

TEST(ProxyStreaming, SlowClientSlowsTheReadFromProduction) {
    constexpr std::size_t total = 50 * mib;
    stream_upstream production{big_answer(total)};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());
    const long before = status_kib(proxy.pid(), "VmRSS");

    stream_client client{proxy.port(), "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"};
    ASSERT_EQ(read_head(client).rfind("HTTP/1.1 200 ", 0), 0U);
    std::size_t received = client.received().size();
    client.discard();
    // About 1 MB/s for three seconds: a proxy that buffered would hold the 50 MB by now.
    long peak = 0;
    const auto slow_until = steady::now() + 3s;
    while (steady::now() < slow_until) {
        const long n = client.read_some(5s, 16 * 1024);
        ASSERT_GT(n, 0);
        received += client.received().size();
        client.discard();
        peak = std::max(peak, status_kib(proxy.pid(), "VmRSS"));
        std::this_thread::sleep_for(16ms);
    }
    EXPECT_LT(received, 10 * mib);
    EXPECT_LT(peak - before, 32 * 1024) << "RSS grew by " << peak - before << " KiB";
    while (received < total) {
        const long n = client.read_some(30s, 1 << 20);
        if (n <= 0) {
            break;
        }
        received += client.received().size();
        client.discard();
    }
    EXPECT_EQ(received, total);
}

TEST(ProxyStreaming, CloseDelimitedAnswerIsChunkedForHttp11AndClosedForHttp10) {
    stream_upstream production{[](const std::string&, stream_connection& out) {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
        out.write("first part, ");
        std::this_thread::sleep_for(50ms);
        out.write("second part");
        return false;  // the close ends the body
    }};
    proxy_process proxy{production_only(production)};
    ASSERT_TRUE(proxy.ready());

    stream_client v11{proxy.port(), "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"};
    const std::string head = read_head(v11);
    ASSERT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
    std::string body;
    bool complete = false;
    const auto deadline = steady::now() + 10s;
    while (!complete && steady::now() < deadline && v11.read_some(1s) >= 0) {
        body.clear();
        ASSERT_TRUE(decode_chunked(v11.received(), body, complete));
    }
    EXPECT_TRUE(complete);
    EXPECT_EQ(body, "first part, second part");

    stream_client v10{proxy.port(), "GET /a HTTP/1.0\r\nHost: x\r\n\r\n"};
    const std::string head10 = read_head(v10);
    EXPECT_EQ(head10.find("Transfer-Encoding"), std::string::npos) << head10;
    EXPECT_NE(head10.find("Connection: close\r\n"), std::string::npos) << head10;
    while (steady::now() < deadline + 10s && v10.read_some(1s) >= 0) {
    }
    EXPECT_EQ(v10.received(), "first part, second part");
}

TEST(ProxyStreaming, ProductionFailingMidBodyClosesTheClientConnection) {
    stream_upstream production{[](const std::string&, stream_connection& out) {
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
        out.write(std::string(100000, 'x'));
        return false;  // closed 900000 bytes short
    }};
    stream_upstream shadow{big_answer(10)};
    proxy_process proxy{production_only(production) + "shadows: [{name: s, url: \"" + shadow.url() +
                        "\"}]\nlog: {path: \"${LOG}\"}\n"};
    ASSERT_TRUE(proxy.ready());
    stream_client client{proxy.port(), "GET /p HTTP/1.1\r\nHost: x\r\n\r\n"};
    const std::string head = read_head(client);
    ASSERT_EQ(head.rfind("HTTP/1.1 200 ", 0), 0U) << head;
    const auto deadline = steady::now() + 20s;
    long n = 0;
    while (steady::now() < deadline && (n = client.read_some(1s)) >= 0) {
    }
    EXPECT_EQ(n, -1) << "the proxy kept the connection open";
    EXPECT_EQ(client.received(), std::string(100000, 'x'));
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 10s, "the record"));
    const auto record = proxy.records().front();
    EXPECT_EQ(record["production"]["error"], "reset") << record.dump();
    EXPECT_EQ(record["outcome"], "production_error") << record.dump();
}

TEST(ProxyStreaming, RecordOfLongAnswerIsTruncatedWithFullLength) {
    constexpr std::size_t total = 5 * mib;
    const auto answer = [](const std::string&, stream_connection& out) {
        const std::string start = R"({"prediction":7,"blob":")";
        const std::string end = "\"}";
        const std::size_t fill = total - start.size() - end.size();
        return out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(total) + "\r\n\r\n" + start) &&
               out.write(std::string(fill, 'a')) && out.write(end);
    };
    stream_upstream production{answer};
    stream_upstream shadow{answer};
    proxy_process proxy{production_only(production) + "shadows: [{name: s, url: \"" + shadow.url() +
                        "\"}]\nlog: {path: \"${LOG}\"}\n"};
    ASSERT_TRUE(proxy.ready());
    stream_client client{proxy.port(), "GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"};
    ASSERT_EQ(read_head(client).rfind("HTTP/1.1 200 ", 0), 0U);
    while (client.read_some(10s, 1 << 20) > 0) {
    }
    EXPECT_EQ(client.received().size(), total);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 10s, "the record"));
    const auto record = proxy.records().front();
    for (const char* side : {"production", "shadow"}) {
        EXPECT_EQ(record[side]["truncated"], true) << record.dump();
        EXPECT_EQ(record[side]["bytes"], total) << record.dump();
        EXPECT_EQ(record[side]["prediction"], 7) << record.dump();
        EXPECT_TRUE(record[side]["ttfb_ms"].is_number()) << record.dump();
        EXPECT_LE(record[side]["ttfb_ms"].get<double>(), record[side]["latency_ms"].get<double>());
    }
    EXPECT_TRUE(record["body_match"].is_null()) << record.dump();
    EXPECT_EQ(record["outcome"], "prediction_match") << record.dump();
}

}  // namespace
}  // namespace shadowproxy::testing
