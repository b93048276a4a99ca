// Proxying rules of README (Configuration) as pure functions: hop-by-hop names, framing checks,
// obs-fold, request ids, and the heads sent upstream and back to the client.
#include "shadowproxy/proxy/rewrite.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/regex_pattern.hpp"

namespace shadowproxy::proxy {

using shadowproxy::test_support::regex_pattern;

namespace {

using header_list = std::vector<std::pair<std::string, std::string>>;

net::request_head request_head(const header_list& headers, unsigned version = 11,
                               std::string method = "POST", std::string target = "/predict") {
    net::request_head head;
    head.method = std::move(method);
    head.target = std::move(target);
    head.version = version;
    for (const auto& [name, value] : headers) {
        head.fields.add(name, value);
    }
    return head;
}

net::response_head response_head(unsigned status, const header_list& headers) {
    net::response_head head;
    head.status = status;
    for (const auto& [name, value] : headers) {
        head.fields.add(name, value);
    }
    return head;
}

bool is_uuid_v4(const std::string& id) {
    static const regex_pattern shape{
        "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"};
    return shape.matches(id);
}

struct hop_case {
    std::string name;
    std::string connection;
    bool hop_by_hop;
};

// Names the case in test listings (gtest would otherwise print the raw bytes).
void PrintTo(const hop_case& c, std::ostream* out) {
    *out << c.name;
}

class RewriteHopByHop : public ::testing::TestWithParam<hop_case> {};

TEST_P(RewriteHopByHop, ClassifiesName) {
    const auto& c = GetParam();
    EXPECT_EQ(is_hop_by_hop(c.name, c.connection), c.hop_by_hop)
        << c.name << " with Connection: " << c.connection;
}

INSTANTIATE_TEST_SUITE_P(
    Names, RewriteHopByHop,
    ::testing::Values(
        hop_case{"Connection", "", true}, hop_case{"keep-alive", "", true},
        hop_case{"Proxy-Connection", "", true}, hop_case{"Proxy-Authorization", "", true},
        hop_case{"Proxy-Authenticate", "", true}, hop_case{"TE", "", true},
        hop_case{"Trailer", "", true}, hop_case{"Transfer-Encoding", "", true},
        hop_case{"UPGRADE", "", true}, hop_case{"Content-Type", "", false},
        hop_case{"X-Custom", "", false}, hop_case{"X-Custom", "x-custom", true},
        hop_case{"X-Custom", "keep-alive, X-CUSTOM", true},
        hop_case{"X-Custom", " keep-alive ,\tx-custom\t", true},
        hop_case{"X-Custom", "x-custom-other", false}, hop_case{"X-Custom", "keep-alive,", false},
        hop_case{"Authorization", "close", false}, hop_case{"Content-Length", "x-custom", false}));

struct framing_case {
    std::string label;
    header_list headers;
    unsigned version;
    bool problem;
};

void PrintTo(const framing_case& c, std::ostream* out) {
    *out << c.label;
}

class RewriteFraming : public ::testing::TestWithParam<framing_case> {};

TEST_P(RewriteFraming, FindsProblem) {
    const auto& c = GetParam();
    EXPECT_EQ(!framing_problem(request_head(c.headers, c.version)).empty(), c.problem) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Heads, RewriteFraming,
    ::testing::Values(
        framing_case{"plain", {{"Content-Length", "3"}}, 11, false},
        framing_case{"chunked", {{"Transfer-Encoding", "chunked"}}, 11, false},
        framing_case{"chunked with spaces", {{"Transfer-Encoding", " chunked "}}, 11, false},
        framing_case{"chunked upper case", {{"Transfer-Encoding", "CHUNKED"}}, 11, false},
        framing_case{"gzip, chunked", {{"Transfer-Encoding", "gzip, chunked"}}, 11, true},
        framing_case{"identity", {{"Transfer-Encoding", "identity"}}, 11, true},
        framing_case{"chunked twice",
                     {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
                     11,
                     true},
        framing_case{"chunked in HTTP/1.0", {{"Transfer-Encoding", "chunked"}}, 10, true},
        framing_case{"CR in a value", {{"X-Evil", "a\rb"}}, 11, true},
        framing_case{"LF in a value", {{"X-Evil", "a\nContent-Length: 0"}}, 11, true},
        framing_case{"no headers", {}, 11, false}));

TEST(RewriteObsFold, DetectsContinuationLines) {
    EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n"));
    EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n"));
    EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nX-A: 1 2\r\n\r\n"));
    EXPECT_FALSE(has_obs_fold(""));
    EXPECT_FALSE(has_obs_fold("\r\n"));
}

TEST(RewriteRequestId, GeneratedIdsAreUuidV4AndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = make_request_id();
        ASSERT_TRUE(is_uuid_v4(id)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000U);
}

struct id_case {
    std::string sent;  // empty: header absent
    bool kept;
};

class RewriteChooseRequestId : public ::testing::TestWithParam<id_case> {};

TEST_P(RewriteChooseRequestId, KeepsSaneIdsOnly) {
    const auto& c = GetParam();
    const auto head = c.sent.empty() ? request_head({}) : request_head({{"X-Request-Id", c.sent}});
    const auto id = choose_request_id(head);
    if (c.kept) {
        EXPECT_EQ(id, c.sent);
    } else {
        EXPECT_TRUE(is_uuid_v4(id)) << "'" << c.sent << "' gave " << id;
    }
}

INSTANTIATE_TEST_SUITE_P(Ids, RewriteChooseRequestId,
                         ::testing::Values(id_case{"", false}, id_case{"abc-123", true},
                                           id_case{"7f1c0e2a-1111-4222-8333-444455556666", true},
                                           id_case{"trace:span/1=x", true},
                                           id_case{"has space", false}, id_case{"quote\"d", false},
                                           id_case{std::string(200, 'a'), true},
                                           id_case{std::string(201, 'a'), false},
                                           id_case{"<script>", false}));

TEST(RewriteChooseRequestId, TrimsSurroundingWhitespace) {
    EXPECT_EQ(choose_request_id(request_head({{"X-Request-Id", "  abc  "}})), "abc");
}

std::shared_ptr<const upstream::forwarded_request> forward_of(const header_list& headers,
                                                              std::string body = {}) {
    return forward(request_head(headers, 11, "POST", "/predict?x=1"), std::move(body), "10.0.0.9",
                   "id-1");
}

TEST(RewriteUpstreamHead, RewritesHeadersForProduction) {
    const auto request = forward_of({{"Host", "client.example"},
                                     {"Connection", "keep-alive, x-hop"},
                                     {"X-Hop", "1"},
                                     {"Keep-Alive", "timeout=5"},
                                     {"TE", "trailers"},
                                     {"Upgrade", "h2c"},
                                     {"Proxy-Connection", "keep-alive"},
                                     {"X-Forwarded-For", "1.2.3.4"},
                                     {"X-Forwarded-Proto", "https"},
                                     {"X-Forwarded-Host", "spoofed.example"},
                                     {"X-Request-Id", "spoofed"},
                                     {"Expect", "100-continue"},
                                     {"Transfer-Encoding", "chunked"},
                                     {"Accept", "application/json"}},
                                    "hello");
    EXPECT_EQ(request->method, "POST");
    EXPECT_EQ(request->target, "/predict?x=1");
    EXPECT_EQ(request->path, "/predict");
    EXPECT_EQ(request->request_id, "id-1");
    EXPECT_FALSE(request->is_head);
    EXPECT_EQ(upstream::upstream_head(*request, "up:8080", "X-Shadow-Request: true\r\n"),
              "POST /predict?x=1 HTTP/1.1\r\n"
              "Host: up:8080\r\n"
              "Accept: application/json\r\n"
              "X-Forwarded-For: 1.2.3.4, 10.0.0.9\r\n"
              "X-Forwarded-Proto: http\r\n"
              "X-Request-Id: id-1\r\n"
              "Content-Length: 5\r\n"
              "X-Shadow-Request: true\r\n"
              "\r\n");
}

TEST(RewriteUpstreamHead, BodylessRequestHasNoContentLength) {
    const auto forwarded = forward(request_head({}, 11, "GET", "/"), {}, "127.0.0.1", "id-2");
    EXPECT_EQ(upstream::upstream_head(*forwarded, "127.0.0.1:9"),
              "GET / HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-Forwarded-For: 127.0.0.1\r\n"
              "X-Forwarded-Proto: http\r\nX-Request-Id: id-2\r\n\r\n");
}

TEST(RewriteUpstreamHead, EmptyBodyWithContentLengthKeepsZero) {
    const auto request = forward_of({{"Content-Length", "0"}});
    EXPECT_NE(upstream::upstream_head(*request, "a").find("Content-Length: 0\r\n"),
              std::string::npos);
}

TEST(RewriteClientHead, StripsHopByHopAndSetsLength) {
    const auto upstream = response_head(201, {{"Content-Type", "application/json"},
                                              {"Connection", "x-secret"},
                                              {"X-Secret", "s"},
                                              {"Keep-Alive", "timeout=1"},
                                              {"Transfer-Encoding", "chunked"},
                                              {"Trailer", "X-Sum"},
                                              {"Upgrade", "h2c"},
                                              {"Content-Length", "999"},
                                              {"X-Request-Id", "upstream-id"},
                                              {"X-Model", "v1"}});
    EXPECT_EQ(client_response_head(upstream, body_framing::length, 7, "id-1", true, 11),
              "HTTP/1.1 201 Created\r\n"
              "Content-Type: application/json\r\n"
              "X-Model: v1\r\n"
              "X-Request-Id: id-1\r\n"
              "Content-Length: 7\r\n"
              "\r\n");
}

TEST(RewriteClientHead, ConnectionDecisionFollowsClient) {
    const auto upstream = response_head(200, {});
    const auto close = client_response_head(upstream, body_framing::length, 0, "i", false, 11);
    EXPECT_NE(close.find("Connection: close\r\n"), std::string::npos);
    const auto keep_10 = client_response_head(upstream, body_framing::length, 0, "i", true, 10);
    EXPECT_NE(keep_10.find("Connection: keep-alive\r\n"), std::string::npos);
    const auto keep_11 = client_response_head(upstream, body_framing::length, 0, "i", true, 11);
    EXPECT_EQ(keep_11.find("Connection"), std::string::npos);
}

TEST(RewriteClientHead, HeadAnswerKeepsResourceLength) {
    const auto upstream = response_head(200, {{"Content-Length", "1234"}});
    const auto head = client_response_head(upstream, body_framing::none, 0, "i", true, 11);
    EXPECT_NE(head.find("Content-Length: 1234\r\n"), std::string::npos);
    EXPECT_EQ(head.find("Content-Length: 0"), std::string::npos);
}

TEST(RewriteClientHead, KeepsCustomReasonAndFillsMissingOne) {
    auto upstream = response_head(404, {});
    upstream.reason = "No Such Model";
    EXPECT_EQ(client_response_head(upstream, body_framing::length, 0, "i", true, 11)
                  .rfind("HTTP/1.1 404 No Such Model\r\n", 0),
              0U);
    EXPECT_EQ(client_response_head(response_head(503, {}), body_framing::length, 0, "i", true, 11)
                  .rfind("HTTP/1.1 503 Service Unavailable\r\n", 0),
              0U);
}

TEST(RewriteClientHead, ChunkedAndCloseFraming) {
    const auto upstream = response_head(200, {{"Transfer-Encoding", "chunked"}});
    const auto chunked = client_response_head(upstream, body_framing::chunked, 0, "i", true, 11);
    EXPECT_NE(chunked.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
    EXPECT_EQ(chunked.find("Content-Length"), std::string::npos);
    EXPECT_EQ(chunked.find("Connection"), std::string::npos);
    const auto close = client_response_head(upstream, body_framing::close, 0, "i", true, 10);
    EXPECT_EQ(close.find("Transfer-Encoding"), std::string::npos);
    EXPECT_EQ(close.find("Content-Length"), std::string::npos);
    EXPECT_NE(close.find("Connection: close\r\n"), std::string::npos);
}

TEST(RewriteClientFraming, FollowsUpstreamLengthAndClientVersion) {
    EXPECT_EQ(client_framing(false, 10, 11), body_framing::none);
    EXPECT_EQ(client_framing(true, 10, 10), body_framing::length);
    EXPECT_EQ(client_framing(true, std::nullopt, 11), body_framing::chunked);
    EXPECT_EQ(client_framing(true, std::nullopt, 10), body_framing::close);
}

}  // namespace
}  // namespace shadowproxy::proxy

namespace shadowproxy::proxy {
namespace {

TEST(RewriteUpstreamHead, RouteSetsHostRewritesPathAndRemovesHeaders) {
    const auto request = forward_of({{"Host", "client.example"},
                                     {"Authorization", "Bearer x"},
                                     {"cookie", "a=1"},
                                     {"Accept", "*/*"}},
                                    "");
    const std::vector<std::string> remove{"authorization", "cookie"};
    const upstream::upstream_route route{.host = "b.models.example",
                                         .base_path = "/base",
                                         .rewrite_from = "/predict",
                                         .rewrite_to = "/v2/models/b/infer",
                                         .remove_headers = &remove};
    EXPECT_EQ(upstream::upstream_head(*request, route),
              "POST /base/v2/models/b/infer?x=1 HTTP/1.1\r\n"
              "Host: b.models.example\r\n"
              "Accept: */*\r\n"
              "X-Forwarded-For: 10.0.0.9\r\n"
              "X-Forwarded-Proto: http\r\n"
              "X-Request-Id: id-1\r\n"
              "\r\n");
}

TEST(RewriteUpstreamTarget, PrefixesAndRewritesOriginFormOnly) {
    using upstream::upstream_target;
    EXPECT_EQ(upstream_target("/x?q=1", {.base_path = "/b"}), "/b/x?q=1");
    EXPECT_EQ(upstream_target("/", {.base_path = "/b"}), "/b/");
    EXPECT_EQ(upstream_target("/v1/x", {.rewrite_from = "/v1/", .rewrite_to = "/"}), "/x");
    EXPECT_EQ(upstream_target("/v1/x", {.rewrite_from = "/v1", .rewrite_to = "/v2"}), "/v2/x");
    EXPECT_EQ(upstream_target("/v1", {.rewrite_from = "/v1", .rewrite_to = "/v2/"}), "/v2/");
    EXPECT_EQ(upstream_target("/other", {.rewrite_from = "/v1", .rewrite_to = "/v2"}), "/other");
    EXPECT_EQ(
        upstream_target("/v1/x", {.base_path = "/b", .rewrite_from = "/v1", .rewrite_to = "/v2"}),
        "/b/v2/x");
    EXPECT_EQ(upstream_target("*", {.base_path = "/b"}), "*");
}

}  // namespace
}  // namespace shadowproxy::proxy
