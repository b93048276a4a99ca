// The record log as an operator reads it, docs/records.md, docs/operations.md, docs/report.md:
// redaction, rotation, stdout, the features field, and no record lost on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/regex_pattern.hpp"
#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {

using shadowproxy::test_support::regex_pattern;

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

std::string text_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> lines_of(const std::string& path) {
    std::vector<std::string> out;
    std::istringstream in(text_of(path));
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

std::string upstreams(const fake_upstream& production, const fake_upstream& shadow) {
    return "production: {url: \"" + production.url() + "\"}\nshadows:\n  - {name: s, url: \"" +
           shadow.url() + "\"}\n";
}

TEST(MirrorRecords, SecretsRedactedFromRecordsAndStderr) {
    fake_upstream production{[](const received_request&) {
        reply r;
        r.headers.emplace_back("Set-Cookie", "session=SET-COOKIE-SECRET-789");
        return r;
    }};
    fake_upstream shadow;
    proxy_process proxy{upstreams(production, shadow) +
                        "log: {path: ${LOG}, include_bodies: true, level: debug}\n"};
    ASSERT_TRUE(proxy.ready());
    const header_list secrets{{"Authorization", "Bearer AUTH-SECRET-123"},
                              {"Cookie", "session=COOKIE-SECRET-456"},
                              {"X-Api-Key", "API-KEY-SECRET-000"}};
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(
            http_request(proxy.port(), "POST", "/predict", R"({"features":[1]})", secrets).status,
            200U);
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 3; }, 5s, "three records"));
    ASSERT_EQ(shadow.requests()[0].header("Authorization"), "Bearer AUTH-SECRET-123");
    const auto record = proxy.records().front();
    EXPECT_EQ(record["request_body"], json::parse(R"({"features":[1]})"));
    EXPECT_EQ(record["production"]["body"], json::parse(R"({"prediction":1})"));
    EXPECT_EQ(record["shadow"]["body"], json::parse(R"({"prediction":1})"));
    ASSERT_EQ(proxy.stop(), 0);
    for (const auto& text : {text_of(proxy.log_path()), proxy.stderr_text()}) {
        for (const char* secret : {"AUTH-SECRET-123", "COOKIE-SECRET-456", "API-KEY-SECRET-000",
                                   "SET-COOKIE-SECRET-789"}) {
            EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in:\n" << text;
        }
    }
}

TEST(MirrorRecords, BodiesTruncatedAtTheLimit) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{upstreams(production, shadow) +
                        "log: {path: ${LOG}, include_bodies: true, body_limit_bytes: 16}\n"};
    ASSERT_TRUE(proxy.ready());
    const std::string body = R"({"features":[1,2,3,4,5,6,7,8,9,10]})";
    ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", body).status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "the record"));
    const auto record = proxy.records().front();
    // The record writer names the flag after the body it qualifies.
    EXPECT_EQ(record["request_body"], body.substr(0, 16)) << record.dump();
    EXPECT_EQ(record["request_body_truncated"], true) << record.dump();
    EXPECT_EQ(record["production"]["body"], nlohmann::json::parse(R"({"prediction":1})"));
    EXPECT_EQ(record["production"]["truncated"], false) << record.dump();
}

TEST(MirrorRecords, RotationKeepsEveryRecordWhole) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{upstreams(production, shadow) +
                        "log: {path: ${LOG}, max_file_bytes: 2048, max_files: 50}\n"};
    ASSERT_TRUE(proxy.ready());
    constexpr std::size_t total = 60;
    http_connection client{proxy.port()};
    for (std::size_t i = 0; i < total; ++i) {
        ASSERT_EQ(client.send("POST", "/predict", R"({"features":[1]})").status, 200U);
    }
    ASSERT_TRUE(wait_until(
        [&] {
            return proxy.metric(R"(shadowproxy_comparisons_total{shadow="s",outcome="match"})") ==
                   total;
        },
        5s, "every comparison"));
    ASSERT_EQ(proxy.stop(), 0);

    const fs::path dir = fs::path(proxy.log_path()).parent_path();
    std::set<std::string> ids;
    std::size_t count = 0;
    std::size_t rotated = 0;
    const regex_pattern rotated_name(R"(comparisons\.(\d+)\.jsonl)");
    std::set<int> numbers;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        const auto m = rotated_name.match_groups(name);
        if (!m.empty()) {
            ++rotated;
            numbers.insert(std::stoi(m[1]));
        } else if (name != "comparisons.jsonl") {
            continue;
        }
        EXPECT_LE(entry.file_size(), 2048U + 1024U) << name;
        for (const auto& line : lines_of(entry.path().string())) {
            const auto record = json::parse(line, nullptr, false);
            ASSERT_FALSE(record.is_discarded()) << name << ": " << line;
            ids.insert(record["request_id"].get<std::string>());
            ++count;
        }
    }
    EXPECT_GE(rotated, 3U);
    ASSERT_FALSE(numbers.empty());
    EXPECT_EQ(*numbers.begin(), 1);
    EXPECT_EQ(*numbers.rbegin(), static_cast<int>(numbers.size()));
    EXPECT_EQ(count, total);
    EXPECT_EQ(ids.size(), total);
}

TEST(MirrorRecords, DashWritesRecordsToStdout) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{upstreams(production, shadow) + "log: {path: \"-\"}\n"};
    ASSERT_TRUE(proxy.ready());
    const auto response = http_request(proxy.port(), "POST", "/predict", "{}");
    ASSERT_EQ(response.status, 200U);
    const std::string out = proxy.dir() + "/stdout.log";
    ASSERT_TRUE(wait_until([&] { return !lines_of(out).empty(); }, 5s, "a line on stdout"));
    const auto record = json::parse(lines_of(out).front(), nullptr, false);
    ASSERT_FALSE(record.is_discarded());
    EXPECT_EQ(record["request_id"], response.header("X-Request-Id"));
    EXPECT_EQ(proxy.stop(), 0);
    EXPECT_EQ(lines_of(out).size(), 1U);
}

TEST(MirrorRecords, FeaturesCarriedTruncatedOrNull) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{upstreams(production, shadow) + "features: {pointer: /features}\n"};
    ASSERT_TRUE(proxy.ready());
    json long_features = json::array();
    for (int i = 0; i < 300; ++i) {
        long_features.push_back(i);
    }
    http_connection client{proxy.port()};
    const std::vector<std::pair<std::string, std::string>> requests{
        {"short", R"({"features":[1.5,null,"x"]})"},
        {"long", json{{"features", long_features}}.dump()},
        {"none", R"({"other":1})"}};
    for (const auto& [id, body] : requests) {
        ASSERT_EQ(client.send("POST", "/predict", body, {{"X-Request-Id", id}}).status, 200U);
    }
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 3; }, 5s, "three records"));
    std::map<std::string, json> by_id;
    for (const auto& r : proxy.records()) {
        by_id[r["request_id"].get<std::string>()] = r;
    }
    EXPECT_EQ(by_id["short"]["features"], json::parse(R"([1.5,null,"x"])"));
    EXPECT_FALSE(by_id["short"].value("features_truncated", false));
    ASSERT_TRUE(by_id["long"]["features"].is_array());
    EXPECT_EQ(by_id["long"]["features"].size(), 256U);
    EXPECT_EQ(by_id["long"]["features"].back(), 255);
    EXPECT_EQ(by_id["long"]["features_truncated"], true);
    ASSERT_TRUE(by_id["none"].contains("features"));
    EXPECT_TRUE(by_id["none"]["features"].is_null());
}

TEST(MirrorRecords, NoFeaturesFieldWithoutThePointer) {
    fake_upstream production;
    fake_upstream shadow;
    proxy_process proxy{upstreams(production, shadow)};
    ASSERT_TRUE(proxy.ready());
    ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", R"({"features":[1]})").status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "the record"));
    EXPECT_FALSE(proxy.records().front().contains("features"));
}

TEST(MirrorRecords, SigtermWaitsForQueuedCopies) {
    fake_upstream production;
    fake_upstream shadow{[](const received_request&) {
        reply r;
        r.delay = 300ms;
        return r;
    }};
    proxy_process proxy{"production: {url: \"" + production.url() + "\"}\nshadows:\n" +
                        "  - {name: s, url: \"" + shadow.url() + "\", max_in_flight: 1}\n" +
                        "limits: {drain_timeout_ms: 5000}\n"};
    ASSERT_TRUE(proxy.ready());
    constexpr std::size_t total = 6;
    http_connection client{proxy.port()};
    std::set<std::string> ids;
    for (std::size_t i = 0; i < total; ++i) {
        const auto response = client.send("POST", "/predict", "{}");
        ASSERT_EQ(response.status, 200U);
        ids.insert(response.header("X-Request-Id"));
    }
    const auto m = proxy.metrics();
    EXPECT_EQ(m.at(R"(shadowproxy_mirror_eligible_total{shadow="s"})"), total);
    EXPECT_EQ(m.at(R"(shadowproxy_mirror_dropped_total{shadow="s",reason="queue_full"})"), 0);
    EXPECT_GE(m.at(R"(shadowproxy_mirror_queue_depth{shadow="s"})"), 3);
    const auto start = std::chrono::steady_clock::now();
    proxy.signal(SIGTERM);
    ASSERT_EQ(proxy.wait_exit(10s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4500ms) << "must not wait out the drain";
    std::set<std::string> recorded;
    for (const auto& r : proxy.records()) {
        recorded.insert(r["request_id"].get<std::string>());
        EXPECT_EQ(r["outcome"], "match") << r.dump();
    }
    EXPECT_EQ(recorded, ids);
}

// Comparisons on the mirror thread (0), on one pool thread, and on more pool threads than
// workers: every copy of concurrent clients is compared and recorded once, none lost.
TEST(MirrorRecords, EveryCopyRecordedWhateverTheComparePool) {
    for (const int compare_threads : {0, 1, 3}) {
        SCOPED_TRACE("compare_threads " + std::to_string(compare_threads));
        fake_upstream production;
        fake_upstream shadow;
        proxy_process proxy{"threads: 2\n" + upstreams(production, shadow) +
                            "mirror: {compare_threads: " + std::to_string(compare_threads) + "}\n"};
        ASSERT_TRUE(proxy.ready());
        constexpr int clients = 4;
        constexpr int per_client = 25;
        std::vector<std::set<std::string>> ids(clients);
        std::vector<std::thread> threads;
        for (int c = 0; c < clients; ++c) {
            threads.emplace_back([&, c] {
                http_connection client{proxy.port()};
                for (int i = 0; i < per_client; ++i) {
                    const auto response = client.send("POST", "/predict", R"({"features":[1]})");
                    if (response.status == 200U) {
                        ids[c].insert(response.header("X-Request-Id"));
                    }
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        std::set<std::string> sent;
        for (const auto& each : ids) {
            sent.insert(each.begin(), each.end());
        }
        ASSERT_EQ(sent.size(), static_cast<std::size_t>(clients * per_client));
        ASSERT_TRUE(wait_until([&] { return proxy.records().size() >= sent.size(); }, 10s,
                               "a record per request"));
        std::set<std::string> recorded;
        for (const auto& r : proxy.records()) {
            recorded.insert(r["request_id"].get<std::string>());
            EXPECT_EQ(r["outcome"], "match") << r.dump();
        }
        EXPECT_EQ(recorded, sent);
        EXPECT_EQ(proxy.records().size(), sent.size());
        const auto m = proxy.metrics();
        EXPECT_EQ(m.at(R"(shadowproxy_comparisons_total{shadow="s",outcome="match"})"),
                  clients * per_client);
        ASSERT_EQ(proxy.stop(), 0);
    }
}

}  // namespace
}  // namespace shadowproxy::testing
