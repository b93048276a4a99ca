// The README's metric table lists exactly the metrics of metrics::metric_list, with the same
// type and labels.
#include "shadowproxy/metrics/metric_list.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "common/regex_pattern.hpp"

namespace shadowproxy::metrics {
namespace {

using shadowproxy::test_support::regex_pattern;

struct row {
    std::string type;
    std::string labels;  // "upstream,code"
};

// Rows "| `name` | type | `a`, `b` | meaning |" of the table under "### Metrics".
std::map<std::string, row> readme_table() {
    std::ifstream in(SHADOWPROXY_EXAMPLES_DIR "/../README.md");
    std::map<std::string, row> out;
    const regex_pattern line_re(R"(^\| `([a-z_]+)` \| ([a-z]+) \|([^|]*)\|)");
    bool in_section = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("### ", 0) == 0 || line.rfind("## ", 0) == 0) {
            in_section = line == "### Metrics";
            continue;
        }
        const auto m = in_section ? line_re.search(line) : std::vector<std::string>{};
        if (!m.empty()) {
            std::string labels;
            for (const char c : m[3]) {
                if (c != '`' && c != ' ') {
                    labels.push_back(c);
                }
            }
            out[m[1]] = {m[2], labels};
        }
    }
    return out;
}

TEST(MetricList, ReadmeTableMatchesTheList) {
    const auto table = readme_table();
    ASSERT_FALSE(table.empty()) << "no metric table found in README.md";
    EXPECT_EQ(table.size(), metric_list.size());
    for (const auto& m : metric_list) {
        const auto found = table.find(std::string{m.name});
        ASSERT_NE(found, table.end()) << m.name << " is not in the README's metric table";
        std::string labels;
        for (const auto label : m.labels) {
            if (!label.empty()) {
                labels.append(labels.empty() ? "" : ",").append(label);
            }
        }
        EXPECT_EQ(found->second.type, m.type) << m.name;
        EXPECT_EQ(found->second.labels, labels) << m.name;
    }
}

}  // namespace
}  // namespace shadowproxy::metrics
