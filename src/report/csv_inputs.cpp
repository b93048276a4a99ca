#include "shadowproxy/report/csv_inputs.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "shadowproxy/stats/prediction_key.hpp"

namespace shadowproxy::report {

namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string_view strip_bom(std::string_view line) {
    return line.starts_with("\xEF\xBB\xBF") ? line.substr(3) : line;
}

bool is_blank(std::string_view line) {
    return trim(line).empty();
}

std::string where(const line_reader& reader) {
    return reader.name() + " line " + std::to_string(reader.line_number());
}

std::vector<std::string> read_header(line_reader& reader, const std::string& what) {
    std::string_view line;
    while (reader.next(line)) {
        if (is_blank(line)) {
            continue;
        }
        std::vector<std::string> fields;
        if (!split_csv_line(strip_bom(line), fields)) {
            throw read_error(where(reader) + ": malformed CSV header (unbalanced quotes)");
        }
        for (auto& f : fields) {
            f = std::string(trim(f));
        }
        return fields;
    }
    throw read_error(reader.name() + " is empty: expected a CSV header " + what);
}

// Strict: the whole cell is one finite number.
bool parse_number(std::string_view text, double& value) {
    const char* end = text.data() + text.size();
    const auto [stop, code] = std::from_chars(text.data(), end, value);
    return code == std::errc{} && stop == end && std::isfinite(value);
}

}  // namespace

bool split_csv_line(std::string_view line, std::vector<std::string>& fields) {
    fields.clear();
    std::string field;
    std::size_t i = 0;
    for (;;) {
        field.clear();
        if (i < line.size() && line[i] == '"') {
            ++i;
            for (;;) {
                if (i >= line.size()) {
                    return false;  // unterminated quote
                }
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field.push_back(line[i++]);
            }
            if (i < line.size() && line[i] != ',') {
                return false;  // text after the closing quote
            }
        } else {
            while (i < line.size() && line[i] != ',') {
                if (line[i] == '"') {
                    return false;
                }
                field.push_back(line[i++]);
            }
        }
        fields.push_back(field);
        if (i >= line.size()) {
            return true;
        }
        ++i;  // the comma
    }
}

label_table load_labels(const std::string& path, const std::string& id_column,
                        const std::string& label_column) {
    line_reader reader(path);
    const auto header = read_header(reader, id_column + "," + label_column);
    auto column_of = [&](const std::string& name) {
        std::size_t found = header.size();
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (header[i] == name) {
                if (found != header.size()) {
                    throw read_error(reader.name() + ": column \"" + name +
                                     "\" appears twice in the labels header");
                }
                found = i;
            }
        }
        if (found == header.size()) {
            throw read_error(reader.name() + ": the labels header has no column \"" + name +
                             "\" (--id-column, --label-column)");
        }
        return found;
    };
    const std::size_t id_at = column_of(id_column);
    const std::size_t label_at = column_of(label_column);
    label_table table;
    std::vector<std::string> fields;
    std::string_view line;
    while (reader.next(line)) {
        if (is_blank(line)) {
            continue;
        }
        if (!split_csv_line(line, fields) || fields.size() != header.size()) {
            throw read_error(where(reader) + ": expected " + std::to_string(header.size()) +
                             " CSV fields like the header");
        }
        const std::string_view text = trim(fields[label_at]);
        std::string key;
        if (!stats::prediction_key_from_raw(text, key)) {
            key = stats::prediction_key(nlohmann::json(text));  // not JSON: the text itself
        }
        std::string id(trim(fields[id_at]));
        if (const auto found = table.index.find(id); found != table.index.end()) {
            table.keys[found->second] = std::move(key);
        } else {
            table.index.emplace(std::move(id), static_cast<std::uint32_t>(table.keys.size()));
            table.keys.push_back(std::move(key));
        }
    }
    return table;
}

stats::baseline build_baseline(const std::string& csv_path, const std::string& label_column) {
    line_reader reader(csv_path);
    const auto header = read_header(reader, "naming the feature columns");
    std::vector<bool> skip(header.size(), false);
    bool label_found = label_column.empty();
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i].empty()) {
            throw read_error(reader.name() + ": column " + std::to_string(i + 1) +
                             " of the header has no name");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (header[j] == header[i]) {
                throw read_error(reader.name() + ": column \"" + header[i] +
                                 "\" appears twice in the header");
            }
        }
        if (header[i] == label_column) {
            skip[i] = true;
            label_found = true;
        }
    }
    if (!label_found) {
        throw read_error(reader.name() + ": the label column \"" + label_column +
                         "\" is not in the header");
    }
    std::vector<std::vector<double>> columns(header.size());
    std::uint64_t rows = 0;
    std::vector<std::string> fields;
    std::string_view line;
    while (reader.next(line)) {
        if (is_blank(line)) {
            continue;
        }
        if (!split_csv_line(line, fields) || fields.size() != header.size()) {
            throw read_error(where(reader) + ": expected " + std::to_string(header.size()) +
                             " CSV fields like the header");
        }
        ++rows;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const std::string_view cell = trim(fields[i]);
            if (skip[i] || cell.empty()) {
                continue;
            }
            double value = 0;
            if (!parse_number(cell, value)) {
                throw read_error(reader.name() + ": column \"" + header[i] +
                                 "\" is not numeric: line " + std::to_string(reader.line_number()) +
                                 " has \"" + std::string(cell) + "\"");
            }
            columns[i].push_back(value);
        }
    }
    if (rows == 0) {
        throw read_error(reader.name() + " has a header but no data rows");
    }
    stats::baseline result;
    result.rows = rows;
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (skip[i]) {
            continue;
        }
        if (columns[i].empty()) {
            throw read_error(reader.name() + ": column \"" + header[i] + "\" has no values");
        }
        result.features.push_back(stats::make_feature_bins(header[i], std::move(columns[i])));
    }
    if (result.features.empty()) {
        throw read_error(reader.name() + ": no feature columns besides the label column");
    }
    return result;
}

}  // namespace shadowproxy::report
