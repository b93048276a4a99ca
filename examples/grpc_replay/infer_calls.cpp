#include "grpc_replay/infer_calls.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "open_inference.pb.h"

namespace shadowproxy::examples {
namespace {

constexpr std::size_t grpc_prefix = 5;

std::string grpc_frame(const std::string& message) {
    std::string out(grpc_prefix, '\0');
    const auto length = static_cast<std::uint32_t>(message.size());
    for (std::size_t i = 0; i < 4; ++i) {
        out[1 + i] = static_cast<char>((length >> (8 * (3 - i))) & 0xFFU);
    }
    return out + message;
}

}  // namespace

std::vector<replay_row> load_rows(const std::string& path, std::size_t limit) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error(path + ": cannot open");
    }
    std::vector<replay_row> rows;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        const std::string where = path + ":" + std::to_string(number);
        if (!row.is_object() || !row.contains("request_id") || !row["request_id"].is_string() ||
            !row.contains("features") || !row["features"].is_array()) {
            throw std::runtime_error(where +
                                     ": expected {\"request_id\": \"…\", \"features\": [...]}");
        }
        replay_row out{row["request_id"].get<std::string>(), {}};
        for (const auto& value : row["features"]) {
            if (!value.is_number()) {
                throw std::runtime_error(where + ": a feature is not a number");
            }
            out.features.push_back(value.get<double>());
        }
        rows.push_back(std::move(out));
        if (limit != 0 && rows.size() >= limit) {
            break;
        }
    }
    return rows;
}

h2_call model_infer_call(const replay_row& row, const std::string& authority,
                         const std::string& model_name) {
    inference::ModelInferRequest request;
    request.set_model_name(model_name);
    request.set_id(row.request_id);
    auto* input = request.add_inputs();
    input->set_name("features");
    input->set_datatype("FP64");
    input->add_shape(1);
    input->add_shape(static_cast<std::int64_t>(row.features.size()));
    for (const double value : row.features) {
        input->mutable_contents()->add_fp64_contents(value);
    }
    h2_call call;
    call.method = "POST";
    call.authority = authority;
    call.path = "/inference.GRPCInferenceService/ModelInfer";
    call.headers = {
        {"content-type", "application/grpc"}, {"te", "trailers"}, {"x-request-id", row.request_id}};
    call.body = grpc_frame(request.SerializeAsString());
    return call;
}

std::optional<long long> predicted_class(const std::string& body) {
    if (body.size() < grpc_prefix || body[0] != 0) {
        return std::nullopt;
    }
    inference::ModelInferResponse response;
    if (!response.ParseFromArray(body.data() + grpc_prefix,
                                 static_cast<int>(body.size() - grpc_prefix))) {
        return std::nullopt;
    }
    for (int i = 0; i < response.outputs_size(); ++i) {
        const auto& output = response.outputs(i);
        if (output.name() != "predicted_class" || output.datatype() != "INT64") {
            continue;
        }
        if (i < response.raw_output_contents_size() &&
            response.raw_output_contents(i).size() >= sizeof(std::int64_t)) {
            std::int64_t value = 0;
            std::memcpy(&value, response.raw_output_contents(i).data(), sizeof(value));
            return value;
        }
        if (output.contents().int64_contents_size() > 0) {
            return output.contents().int64_contents(0);
        }
    }
    return std::nullopt;
}

}  // namespace shadowproxy::examples
