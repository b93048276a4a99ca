// The words of a gRPC call the proxy reads: a gRPC content-type, grpc-timeout, and whether a
// request body is one message (unary) or not (streaming); and those it writes: the gRPC status
// of its own refusals and a percent-encoded grpc-message.
#include <gtest/gtest.h>

#include "shadowproxy/oip/grpc_message.hpp"

namespace shadowproxy::oip {
namespace {

using std::chrono::milliseconds;

TEST(GrpcCallWords, ContentType) {
    EXPECT_TRUE(is_grpc_content_type("application/grpc"));
    EXPECT_TRUE(is_grpc_content_type("application/grpc+proto"));
    EXPECT_TRUE(is_grpc_content_type("Application/GRPC;charset=utf-8"));
    EXPECT_FALSE(is_grpc_content_type("application/grpc-web"));
    EXPECT_FALSE(is_grpc_content_type("application/json"));
    EXPECT_FALSE(is_grpc_content_type(""));
    EXPECT_TRUE(is_grpc_content_type("APPLICATION/GRPC"));
    EXPECT_FALSE(is_grpc_content_type("application/grp"));
    EXPECT_FALSE(is_grpc_content_type("application/gzip"));
    EXPECT_FALSE(is_grpc_content_type("application/'rpc"));  // 0x27 | 0x20 is not 'g'
    EXPECT_FALSE(is_grpc_content_type("text/plain;grpc=1"));
}

TEST(GrpcCallWords, TimeoutUnits) {
    EXPECT_EQ(parse_grpc_timeout("200m"), milliseconds(200));
    EXPECT_EQ(parse_grpc_timeout("2S"), milliseconds(2000));
    EXPECT_EQ(parse_grpc_timeout("1M"), milliseconds(60'000));
    EXPECT_EQ(parse_grpc_timeout("1H"), milliseconds(3'600'000));
    EXPECT_EQ(parse_grpc_timeout("1500u"), milliseconds(2));  // rounded up
    EXPECT_EQ(parse_grpc_timeout("1n"), milliseconds(1));
    EXPECT_EQ(parse_grpc_timeout("0m"), milliseconds(1));
    EXPECT_EQ(parse_grpc_timeout("99999999H"), milliseconds(99'999'999LL * 3'600'000));
}

TEST(GrpcCallWords, MalformedTimeouts) {
    EXPECT_FALSE(parse_grpc_timeout(""));
    EXPECT_FALSE(parse_grpc_timeout("m"));
    EXPECT_FALSE(parse_grpc_timeout("200"));
    EXPECT_FALSE(parse_grpc_timeout("200ms"));
    EXPECT_FALSE(parse_grpc_timeout("123456789S"));  // more than 8 digits
    EXPECT_FALSE(parse_grpc_timeout("-1S"));
    EXPECT_FALSE(parse_grpc_timeout("1x"));
}

TEST(GrpcCallWords, OneMessageOrAStream) {
    const std::string one = grpc_frame("hello");
    EXPECT_TRUE(single_grpc_message(one));
    EXPECT_TRUE(single_grpc_message(grpc_frame("")));
    EXPECT_TRUE(single_grpc_message(std::string("\1") + one.substr(1)));  // compressed
    EXPECT_FALSE(single_grpc_message(""));
    EXPECT_FALSE(single_grpc_message(one + grpc_frame("x")));
    EXPECT_FALSE(single_grpc_message(one.substr(0, 7)));
}

TEST(GrpcCallWords, StatusOfTheProxysOwnRefusals) {
    EXPECT_EQ(grpc_status_for_http(413), grpc_resource_exhausted);
    EXPECT_EQ(grpc_status_for_http(431), grpc_resource_exhausted);
    EXPECT_EQ(grpc_status_for_http(405), grpc_unimplemented);
    EXPECT_EQ(grpc_status_for_http(503), grpc_unavailable);
    EXPECT_EQ(grpc_status_for_http(502), grpc_unavailable);
    EXPECT_EQ(grpc_status_for_http(504), grpc_deadline_exceeded);
    EXPECT_EQ(grpc_status_for_http(400), grpc_internal);
    EXPECT_EQ(grpc_status_for_http(415), grpc_internal);
}

TEST(GrpcCallWords, MessageIsPercentEncoded) {
    EXPECT_EQ(grpc_message_value("request body too large"), "request body too large");
    EXPECT_EQ(grpc_message_value("100% done"), "100%25 done");
    EXPECT_EQ(grpc_message_value("a\r\nb\xc3\xa9"), "a%0D%0Ab%C3%A9");
    EXPECT_EQ(grpc_message_value(""), "");
}

}  // namespace
}  // namespace shadowproxy::oip
