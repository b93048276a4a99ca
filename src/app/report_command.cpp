// The `report` and `baseline` commands (SPEC §2, §7, §9): flags to options, then the report
// library. Exit codes: report 0 all criteria pass, 1 some fail, 2 bad input; baseline 0 or 2.
#include <fstream>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/report/csv_inputs.hpp"
#include "shadowproxy/report/line_reader.hpp"
#include "shadowproxy/report/log_inputs.hpp"
#include "shadowproxy/report/report.hpp"

namespace shadowproxy::app {

namespace {

constexpr const char* report_footer = R"(
Records are the JSON lines written by the proxy (SPEC §5); LOG files are read in the order given,
'-' is stdin, a directory stands for its *.jsonl and *.jsonl.gz files sorted by name (so one
argument reads a day of records collected from many replicas), gzip files are recognised by their
content. Malformed lines are counted and the first
few reported, never fatal.

--labels FILE: CSV with the header request_id,label. A label is read as a JSON value when it parses
as one (2, true, "x"), otherwise as text (cat); it matches a prediction equal as a JSON value, so
the label 1 matches the prediction 1 but not "1". Accuracy is over the records whose request id
has a label ('joined'; a missing prediction counts as wrong); 'unlabeled' counts records without
one, 'unmatched_labels' labels without any record of that shadow. With labels the checklist gains shadow_accuracy (shadow >= production).

--baseline FILE (or features.baseline in --config): adds per-feature completeness and drift (PSI)
of the records' "features", each request counted once, and the criterion max_feature_psi.

Promotion criteria come from the config's promotion section, the flags override them, and without
either the defaults apply (min_requests 1000, min_agreement 0.99, max_shadow_p95_ms 200,
max_shadow_error_rate 0.001, max_feature_psi 0.25). Exit code: 0 every criterion of every shadow
passes, 1 some criterion fails (or no records), 2 bad input or usage.)";

constexpr const char* baseline_footer = R"(
The CSV needs a header row naming the columns; every column except --label-column is a numeric
feature (empty cells are missing values and skipped). Each feature gets ten equal-frequency bins:
the edges are the minimum, the 10%, 20%, ..., 90% quantiles (linear interpolation) and the maximum.
Ties: a quantile that is not above the previous edge is dropped, merging the bins it would have
separated, so edges are strictly increasing and a heavily tied feature has fewer than ten bins; a
value equal to an edge belongs to the bin above it, the maximum to the last bin, and a constant
feature has one bin. Output: {"features": {NAME: {"edges": [...], "shares": [...]}}, "rows": N}.)";

struct report_flags {
    std::string config_path;
    std::string labels_path;
    std::string baseline_path;
    std::string format = "text";
    std::string shadow;
    std::uint64_t min_requests = 0;
    double min_agreement = 0;
    double max_p95_ms = 0;
    double max_error_rate = 0;
    std::vector<std::string> feature_names;
    std::vector<std::string> logs;
};

int run_report_command(const report_flags& flags, const CLI::App& command) {
    report::report_options options;
    if (!flags.config_path.empty()) {
        try {
            const config::config loaded = config::load_file(flags.config_path);
            options.promotion = loaded.promotion;
            if (loaded.features) {
                options.feature_names = loaded.features->names;
                if (!loaded.features->baseline.empty()) {
                    options.baseline_path = loaded.features->baseline;
                }
            }
        } catch (const config::config_error& e) {
            for (const auto& problem : e.problems()) {
                std::cerr << problem << '\n';
            }
            return 2;
        }
    }
    auto given = [&](const char* name) { return command.get_option(name)->count() > 0; };
    if (given("--min-requests")) {
        options.promotion.min_requests = flags.min_requests;
    }
    if (given("--min-agreement")) {
        options.promotion.min_agreement = flags.min_agreement;
    }
    if (given("--max-p95-ms")) {
        options.promotion.max_shadow_p95_ms = flags.max_p95_ms;
    }
    if (given("--max-error-rate")) {
        options.promotion.max_shadow_error_rate = flags.max_error_rate;
    }
    if (given("--feature-names")) {
        options.feature_names = flags.feature_names;
    }
    if (!flags.labels_path.empty()) {
        options.labels_path = flags.labels_path;
    }
    if (!flags.baseline_path.empty()) {
        options.baseline_path = flags.baseline_path;
    }
    if (!flags.shadow.empty()) {
        options.shadow = flags.shadow;
    }
    options.format =
        flags.format == "json" ? report::output_format::json : report::output_format::text;
    try {
        options.logs = report::expand_log_inputs(flags.logs);
    } catch (const report::read_error& e) {
        std::cerr << "shadowproxy report: " << e.what() << '\n';
        return 2;
    }
    return report::run_report(options, std::cout, std::cerr);
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
    auto* command = app.add_subcommand(
        "report", "Analyse comparison logs: agreement, latency, errors, promotion checklist");
    command->footer(report_footer);
    auto flags = std::make_shared<report_flags>();
    command->add_option("--config", flags->config_path, "YAML config: promotion and features")
        ->check(CLI::ExistingFile);
    command->add_option("--labels", flags->labels_path, "Ground truth CSV: request_id,label");
    command->add_option("--baseline", flags->baseline_path,
                        "Feature baseline JSON made by 'shadowproxy baseline'");
    command->add_option("--format", flags->format, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
    command->add_option("--shadow", flags->shadow, "Only this shadow");
    command
        ->add_option("--feature-names", flags->feature_names,
                     "Names of feature array positions: a,b,c (overrides features.names)")
        ->delimiter(',');
    command->add_option("--min-requests", flags->min_requests, "Criterion min_requests");
    command->add_option("--min-agreement", flags->min_agreement, "Criterion min_agreement (0-1)")
        ->check(CLI::Range(0.0, 1.0));
    command->add_option("--max-p95-ms", flags->max_p95_ms, "Criterion max_shadow_p95_ms")
        ->check(CLI::NonNegativeNumber);
    command
        ->add_option("--max-error-rate", flags->max_error_rate,
                     "Criterion max_shadow_error_rate (0-1)")
        ->check(CLI::Range(0.0, 1.0));
    command->add_option("LOG", flags->logs, "Comparison log files or directories, '-' for stdin")
        ->required();
    command->callback(
        [flags, command, &exit_code] { exit_code = run_report_command(*flags, *command); });
}

void add_baseline_command(CLI::App& app, int& exit_code) {
    auto* command =
        app.add_subcommand("baseline", "Build a feature drift baseline from training data CSV");
    command->footer(baseline_footer);
    auto csv = std::make_shared<std::string>();
    auto label_column = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    command->add_option("--csv", *csv, "Training data CSV with a header row")->required();
    command->add_option("--label-column", *label_column, "Column to skip (the label)");
    command->add_option("--out", *out, "Baseline JSON to write")->required();
    command->callback([csv, label_column, out, &exit_code] {
        try {
            const stats::baseline built = report::build_baseline(*csv, *label_column);
            std::ofstream file(*out, std::ios::binary | std::ios::trunc);
            file << stats::baseline_to_json(built).dump(2) << '\n';
            file.close();
            if (!file) {
                std::cerr << "shadowproxy baseline: cannot write " << *out << '\n';
                exit_code = 2;
                return;
            }
            std::cout << "baseline of " << built.features.size() << " features from " << built.rows
                      << " rows written to " << *out << '\n';
            exit_code = 0;
        } catch (const report::read_error& e) {
            std::cerr << "shadowproxy baseline: " << e.what() << '\n';
            exit_code = 2;
        }
    });
}

}  // namespace shadowproxy::app
