// The RFC 9112 request rules as pure functions: target forms, dot-segments, Host, methods,
// field counting and the bounds on what the chunked parser holds back; plus the request-side
// rewrite rules that go with them (owned headers, every Connection field).
#include "shadowproxy/proxy/request_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shadowproxy/proxy/rewrite.hpp"
#include "shadowproxy/upstream/forwarded_request.hpp"

namespace shadowproxy::proxy {
namespace {

const std::vector<std::string> defaults{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};

request_line_check check(std::string_view method, std::string_view target,
                         const std::vector<std::string>& hosts = {"x"}, unsigned version = 11) {
    net::request_head head;
    head.method = method;
    head.target = target;
    head.version = version;
    for (const auto& host : hosts) {
        head.fields.add("Host", host);
    }
    return check_request_line(head, defaults);
}

TEST(RequestRules, OriginFormIsNormalised) {
    EXPECT_EQ(check("GET", "/a/./b/../c?x=/../y").target, "/a/c?x=/../y");
    EXPECT_EQ(check("GET", "/a/./b/../c?x=/../y").path, "/a/c");
    EXPECT_EQ(check("GET", "/a/%2E%2e/b").target, "/b");
    EXPECT_EQ(check("GET", "/a/b/..").target, "/a/");
    EXPECT_EQ(check("GET", "/a/.").target, "/a/");
    EXPECT_EQ(check("GET", "/").target, "/");
    EXPECT_EQ(check("GET", "/a//b").target, "/a//b");
    EXPECT_EQ(check("GET", "/a/b/?c").target, "/a/b/?c");
    EXPECT_EQ(check("GET", "/...").target, "/...");
    EXPECT_EQ(check("GET", "/x").authority, "x");
    EXPECT_EQ(check("GET", "/../a").status, 400U);
    EXPECT_EQ(check("GET", "/a/%2e%2e/%2e%2e/b").status, 400U);
}

TEST(RequestRules, AbsoluteFormBecomesOriginForm) {
    const auto absolute = check("GET", "http://Evil.Example:81/p/../q?z");
    EXPECT_EQ(absolute.status, 0U);
    EXPECT_EQ(absolute.target, "/q?z");
    EXPECT_EQ(absolute.authority, "Evil.Example:81");
    EXPECT_EQ(check("GET", "http://e.example").target, "/");
    EXPECT_EQ(check("GET", "http://e.example?q").target, "/?q");
    EXPECT_EQ(check("GET", "http://u@e.example/").status, 400U);
    EXPECT_EQ(check("GET", "https://e.example/").status, 400U);
    EXPECT_EQ(check("GET", "http:///x").status, 400U);
}

TEST(RequestRules, OtherTargetFormsAreRefused) {
    for (const auto* target : {"predict", "@evil.example/x", "evil.example:80", "*", "/a#b"}) {
        EXPECT_EQ(check("GET", target).status, 400U) << target;
    }
    EXPECT_EQ(check("OPTIONS", "*").status, 0U);
    EXPECT_EQ(check("OPTIONS", "*").target, "*");
}

TEST(RequestRules, HostRequiredSingleAndValid) {
    EXPECT_EQ(check("GET", "/", {}).status, 400U);
    EXPECT_EQ(check("GET", "/", {}, 10).status, 0U);
    EXPECT_EQ(check("GET", "/", {"a", "a"}).status, 400U);
    for (const auto* host :
         {"", "a b", "u@a", "a/b", "a:8x", "a:123456", "[zz]", "[::1", "a%4", "a%4g", "a\"b"}) {
        EXPECT_EQ(check("GET", "/", {host}).status, 400U) << host;
    }
    for (const auto* host : {"a", "a:80", "a:", "10.0.0.1:8080", "[::1]:80", "xn--d-1.example",
                             "a%41b", "a-._~!$&'()*+,;=b"}) {
        EXPECT_EQ(check("GET", "/", {host}).status, 0U) << host;
    }
}

TEST(RequestRules, Methods) {
    EXPECT_EQ(check("CONNECT", "/").status, 405U);
    EXPECT_EQ(check("TRACE", "/").status, 405U);
    EXPECT_EQ(check("get", "/").status, 400U);
    EXPECT_EQ(check("PATCH", "/").status, 400U);
    EXPECT_EQ(check("DELETE", "/").status, 0U);
}

TEST(RequestRules, CountFieldLines) {
    EXPECT_EQ(count_field_lines("GET / HTTP/1.1\r\n\r\n"), 0U);
    EXPECT_EQ(count_field_lines("GET / HTTP/1.1\r\nHost: a\r\nB: c\r\n\r\n"), 2U);
}

TEST(RequestRules, ChunkedBacklogBounded) {
    EXPECT_EQ(chunked_backlog_problem("1;" + std::string(100, 'a'), 16), "");
    EXPECT_EQ(chunked_backlog_problem("1;" + std::string(5000, 'a'), 16), "chunk line too long");
    EXPECT_EQ(chunked_backlog_problem("\r\n" + std::string(5000, '0'), 16), "chunk line too long");
    EXPECT_EQ(chunked_backlog_problem("0\r\nX: " + std::string(10, 'a'), 16), "");
    EXPECT_EQ(chunked_backlog_problem("0\r\nX: " + std::string(20, 'a'), 16),
              "trailer section too large");
    EXPECT_EQ(chunked_backlog_problem("00;e=1\r\n" + std::string(20, 'a'), 16),
              "trailer section too large");
}

TEST(RequestRules, TrailerSection) {
    EXPECT_EQ(trailer_section_problem(""), "");
    EXPECT_EQ(trailer_section_problem("A: b\r\nC-d: e\r\n"), "");
    EXPECT_NE(trailer_section_problem("A: b\r\n c\r\n"), "");
    EXPECT_NE(trailer_section_problem("A: b\nC: d\r\n"), "");
    EXPECT_NE(trailer_section_problem("no colon\r\n"), "");
    EXPECT_NE(trailer_section_problem("A b: c\r\n"), "");
}

TEST(RequestRewrite, OwnedHeadersAndEveryConnectionField) {
    net::request_head request;
    request.method = "POST";
    request.target = "/p/../q";
    request.fields.add("Host", "client.example");
    request.fields.add("X-Shadow-Request", "true");
    request.fields.add("x-shadow-request", "1");
    request.fields.add("X-Forwarded-Host", "spoofed");
    request.fields.add("Connection", "X-A");
    request.fields.add("Connection", " x-b , keep-alive");
    request.fields.add("X-A", "1");
    request.fields.add("X-B", "2");
    request.fields.add("X-Candidate", "evil");
    request.fields.add("X-C", "3");
    forward_options options;
    options.target = "/q";
    options.path = "/q";
    options.forwarded_host = "client.example";
    options.owned_header = "X-Shadow-Request";
    const auto forwarded = forward(request, {}, "10.0.0.1", "id", options);
    EXPECT_EQ(forwarded->target, "/q");
    EXPECT_EQ(forwarded->path, "/q");
    const std::string head =
        upstream::upstream_head(*forwarded, "up:1", "X-Candidate: v2\r\n", {"x-candidate"});
    EXPECT_EQ(head.find("X-Shadow-Request"), std::string::npos) << head;
    EXPECT_EQ(head.find("x-shadow-request"), std::string::npos) << head;
    EXPECT_EQ(head.find("spoofed"), std::string::npos) << head;
    EXPECT_NE(head.find("X-Forwarded-Host: client.example\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.find("X-A:"), std::string::npos) << head;
    EXPECT_EQ(head.find("X-B:"), std::string::npos) << head;
    EXPECT_EQ(head.find("evil"), std::string::npos) << head;
    EXPECT_NE(head.find("X-Candidate: v2\r\n"), std::string::npos) << head;
    EXPECT_NE(head.find("X-C: 3\r\n"), std::string::npos) << head;
    EXPECT_EQ(head.rfind("POST /q HTTP/1.1\r\nHost: up:1\r\n", 0), 0U) << head;
}

}  // namespace
}  // namespace shadowproxy::proxy
