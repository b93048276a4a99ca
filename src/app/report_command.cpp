// The `report` and `baseline` commands (README (Commands), docs/report.md): flags to options, then
// the report library. Exit codes: report 0 all criteria pass, 1 some fail, 2 bad input; baseline 0
// or 2.
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "shadowproxy/config/config.hpp"
#include "shadowproxy/report/csv_inputs.hpp"
#include "shadowproxy/report/line_reader.hpp"
#include "shadowproxy/report/log_inputs.hpp"
#include "shadowproxy/report/report.hpp"

namespace shadowproxy::app {

namespace {

constexpr const char* report_footer = R"(
Records are the proxy's JSON lines (docs/records.md); LOG files are read in the order given,
'-' is stdin, a directory stands for its *.jsonl and *.jsonl.gz files sorted by name (so one
argument reads a day of records collected from many replicas), gzip files are recognised by their
content. Malformed lines are counted and the first
few reported, never fatal.

--labels FILE: CSV whose header names the request id and label columns (request_id and label, or
--id-column/--label-column; other columns are ignored). A label is read as a JSON value when it parses
as one (2, true, "x"), otherwise as text (cat); it matches a prediction equal as a JSON value, so
the label 1 matches the prediction 1 but not "1". Accuracy is over the records whose request id
has a label ('joined'; a missing prediction counts as wrong); 'unlabeled' counts records without
one, 'unmatched_labels' labels without any record of that shadow. With labels the checklist gains shadow_accuracy (shadow >= production).

--baseline FILE (or features.baseline in --config): adds per-feature completeness and drift (PSI)
of the records' "features", each request counted once, and the criterion max_feature_psi.

An error is a transport error or an HTTP status >= 500; the status mismatch rate counts records
whose statuses differ. compare.prediction_type (or --prediction-type) regression replaces agreement
with MAE, RMSE, bias, correlations and the share within the compare tolerances.

Promotion criteria come from the config's promotion section, the flags override them, and without
either the defaults apply and are listed in the output (min_requests 1000, min_agreement 0.99 or
min_within_tolerance 0.99, max_shadow_p95_ms 200, max_shadow_error_rate 0.001,
max_status_mismatch_rate 0.001, max_feature_psi 0.25 with a baseline). A criterion that cannot be
evaluated (no labels, no baseline, no records) is NOT EVALUATED and fails the gate unless
--allow-unevaluated. Exit code: 0 every criterion of every shadow passes, 1 some criterion fails
or is not evaluated (or no records), 2 bad input (including a truncated gzip) or usage.)";

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
    double max_status_mismatch_rate = 0;
    double min_within_tolerance = 0;
    double max_mae = 0;
    double max_feature_psi = 0;
    bool allow_unevaluated = false;
    bool use_lower_bound = false;
    std::string prediction_type;
    std::string id_column = "request_id";
    std::string label_column = "label";
    std::vector<std::string> feature_names;
    std::vector<std::string> logs;
};

int run_report_command(const report_flags& flags, const CLI::App& command) {
    report::report_options options;
    if (!flags.config_path.empty()) {
        try {
            const config::config loaded = config::load_file(flags.config_path);
            options.promotion = loaded.promotion;
            options.predictions = loaded.compare.predictions;
            options.float_abs_tolerance = loaded.compare.float_abs_tolerance;
            options.float_rel_tolerance = loaded.compare.float_rel_tolerance;
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
    if (given("--max-status-mismatch-rate")) {
        options.promotion.max_status_mismatch_rate = flags.max_status_mismatch_rate;
    }
    if (given("--min-within-tolerance")) {
        options.promotion.min_within_tolerance = flags.min_within_tolerance;
    }
    if (given("--max-mae")) {
        options.promotion.max_mae = flags.max_mae;
    }
    if (given("--max-feature-psi")) {
        options.promotion.max_feature_psi = flags.max_feature_psi;
        options.promotion.max_feature_psi_set = true;
    }
    if (given("--use-lower-bound")) {
        options.promotion.use_lower_bound = true;
    }
    const bool criterion_flag = given("--min-requests") || given("--min-agreement") ||
                                given("--max-p95-ms") || given("--max-error-rate") ||
                                given("--max-status-mismatch-rate") ||
                                given("--min-within-tolerance") || given("--max-mae") ||
                                given("--max-feature-psi") || given("--use-lower-bound");
    options.defaults_applied = flags.config_path.empty() && !criterion_flag;
    options.allow_unevaluated = flags.allow_unevaluated;
    if (!flags.prediction_type.empty()) {
        options.predictions = flags.prediction_type == "regression"
                                  ? config::prediction_type::regression
                                  : config::prediction_type::class_label;
    }
    options.id_column = flags.id_column;
    options.label_column = flags.label_column;
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
    command
        ->add_option("--max-status-mismatch-rate", flags->max_status_mismatch_rate,
                     "Criterion max_status_mismatch_rate (0-1)")
        ->check(CLI::Range(0.0, 1.0));
    command
        ->add_option("--min-within-tolerance", flags->min_within_tolerance,
                     "Criterion min_within_tolerance (0-1, regression)")
        ->check(CLI::Range(0.0, 1.0));
    command->add_option("--max-mae", flags->max_mae, "Criterion max_mae (regression)")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--max-feature-psi", flags->max_feature_psi, "Criterion max_feature_psi")
        ->check(CLI::NonNegativeNumber);
    command->add_flag("--use-lower-bound", flags->use_lower_bound,
                      "Judge min_agreement/min_within_tolerance on the 95% CI lower bound");
    command->add_flag("--allow-unevaluated", flags->allow_unevaluated,
                      "Criteria that cannot be evaluated do not fail the gate");
    command
        ->add_option("--prediction-type", flags->prediction_type,
                     "class or regression (overrides compare.prediction_type)")
        ->check(CLI::IsMember({"class", "regression"}));
    command->add_option("--id-column", flags->id_column, "Labels CSV: request id column")
        ->capture_default_str();
    command->add_option("--label-column", flags->label_column, "Labels CSV: label column")
        ->capture_default_str();
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
