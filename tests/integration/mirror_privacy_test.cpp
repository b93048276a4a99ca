// log.diff_values: false keeps response values out of the records' diffs (pointers, types and
// `missing` stay), for records shipped where model outputs may not go.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/wait.hpp"

namespace shadowproxy::testing {
namespace {

using namespace std::chrono_literals;

script answering(std::string body) {
    return [body](const received_request&) {
        reply r;
        r.body = body;
        return r;
    };
}

TEST(MirrorPrivacy, DiffValuesFalseRecordsCarryNoValues) {
    fake_upstream production{answering(R"({"prediction":1,"label":"secret-prod","only_p":7})")};
    fake_upstream shadow{answering(R"({"prediction":1,"label":"secret-shadow","only_s":[8]})")};
    proxy_process proxy{"production: {url: \"" + production.url() +
                        "\"}\nshadows:\n  - {name: s, url: \"" + shadow.url() +
                        "\"}\nlog: {path: \"${LOG}\", diff_values: false}\n"};
    ASSERT_TRUE(proxy.ready()) << proxy.stderr_text();
    ASSERT_EQ(http_request(proxy.port(), "POST", "/predict", R"({"x":1})").status, 200U);
    ASSERT_TRUE(wait_until([&] { return proxy.records().size() == 1; }, 5s, "one record"));

    const auto record = proxy.records().at(0);
    EXPECT_EQ(record["outcome"], "prediction_match");
    EXPECT_EQ(record["diffs"], nlohmann::json::parse(R"([
        {"pointer":"/label","production_type":"string","shadow_type":"string"},
        {"pointer":"/only_p","production_type":"number","shadow_type":null,"missing":"shadow"},
        {"pointer":"/only_s","production_type":null,"shadow_type":"array",
         "missing":"production"}])"));
    std::ifstream in(proxy.log_path());
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    EXPECT_EQ(text.find("secret"), std::string::npos) << text;
    EXPECT_EQ(text.find("[8]"), std::string::npos) << text;
}

}  // namespace
}  // namespace shadowproxy::testing
