// Regression (fuzz_response_head): production answering "HTTP/1.1 001 ..." made
// client_response_head write the status line "HTTP/1.1 1 ...", which no client can parse; a
// 1xx taken as final would have reached the client as a bodiless interim answer. Both are 502.
#include <gtest/gtest.h>

#include "shadowproxy/proxy/rewrite.hpp"

namespace shadowproxy::proxy {
namespace {

std::string head_for(unsigned status) {
    net::response_head upstream;
    upstream.status = status;
    upstream.fields.add("Content-Type", "application/json");
    return client_response_head(upstream, status >= 200 ? body_framing::length : body_framing::none,
                                2, "id-1", true, 11);
}

TEST(RegressionResponseStatus, BelowOneHundredIsRejected) {
    EXPECT_EQ(head_for(1), "");
    EXPECT_EQ(head_for(0), "");
    EXPECT_EQ(head_for(99), "");
}

TEST(RegressionResponseStatus, InterimStatusIsNotAFinalAnswer) {
    EXPECT_EQ(head_for(100), "");
    EXPECT_EQ(head_for(101), "");
    EXPECT_EQ(head_for(103), "");
}

TEST(RegressionResponseStatus, FinalStatusesStillPass) {
    EXPECT_EQ(head_for(200).rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
    EXPECT_EQ(head_for(204).rfind("HTTP/1.1 204 No Content\r\n", 0), 0U);
    EXPECT_EQ(head_for(999).rfind("HTTP/1.1 999 ", 0), 0U);
}

}  // namespace
}  // namespace shadowproxy::proxy
