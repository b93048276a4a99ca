#include "shadowproxy/net/http_chars.hpp"

#include <gtest/gtest.h>

#include <boost/beast/core/string.hpp>
#include <random>
#include <string>

namespace shadowproxy::net {
namespace {

TEST(HttpChars, IequalsFoldsOnlyAsciiLetters) {
    EXPECT_TRUE(iequals("", ""));
    EXPECT_TRUE(iequals("Content-Length", "content-length"));
    EXPECT_TRUE(iequals("CONTENT-TYPE", "content-type"));
    EXPECT_TRUE(iequals("kEeP-aLiVe", "Keep-Alive"));
    EXPECT_FALSE(iequals("content-length", "content-lengt"));
    EXPECT_FALSE(iequals("application/json", "application/grpc"));
    EXPECT_FALSE(iequals("@", "`"));  // 0x40 and 0x60 differ by 0x20 but are not letters
    EXPECT_FALSE(iequals("[{", "{["));
    EXPECT_FALSE(iequals("\xc1", "\xe1"));  // neither is an ASCII letter
}

// Every pair of bytes at every position of every length up to 20 (so each word size, the
// overlapping last word and the short tail): the same answer as Beast's iequals.
TEST(HttpChars, IequalsAgreesWithBeastOnEveryBytePair) {
    for (std::size_t size = 1; size <= 20; ++size) {
        for (std::size_t at = 0; at < size; ++at) {
            std::string a(size, 'k');
            std::string b(size, 'K');
            for (int x = 0; x < 256; ++x) {
                for (int y = 0; y < 256; ++y) {
                    a[at] = static_cast<char>(x);
                    b[at] = static_cast<char>(y);
                    ASSERT_EQ(iequals(a, b), boost::beast::iequals(a, b))
                        << size << " " << at << " " << x << " " << y;
                }
            }
        }
    }
}

// Names and their case variants, some with one byte changed: mostly equal, some not.
TEST(HttpChars, IequalsAgreesWithBeastOnRandomCaseVariants) {
    std::mt19937 random(19);
    const std::string alphabet = "aAbBzZ@[`{-:09\x80\xff";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<std::size_t> length(0, 40);
    std::bernoulli_distribution flip(0.5);
    std::bernoulli_distribution spoil(0.02);
    for (int i = 0; i < 100000; ++i) {
        std::string a(length(random), ' ');
        for (char& c : a) {
            c = alphabet[pick(random)];
        }
        std::string b = a;
        for (char& c : b) {
            if (spoil(random)) {
                c = alphabet[pick(random)];
            } else if (flip(random) && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
                c = static_cast<char>(c ^ 0x20);
            }
        }
        ASSERT_EQ(iequals(a, b), boost::beast::iequals(a, b)) << a << " / " << b;
    }
}

}  // namespace
}  // namespace shadowproxy::net
