// libFuzzer target: the gRPC/Open Inference Protocol decoding path. The input is split into a
// datatype, an element count, raw tensor bytes, and two gRPC bodies that go through the framing,
// the ModelInferResponse/ModelInferRequest views, the comparator with a tensor prediction
// (argmax and value) and the feature monitor. None of it may crash, leak or throw anything but
// std::bad_alloc, whatever the bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/mirror/features.hpp"
#include "shadowproxy/oip/grpc_message.hpp"
#include "shadowproxy/oip/raw_tensor.hpp"
#include "shadowproxy/oip/tensor_view.hpp"

namespace sc = shadowproxy::compare;
namespace so = shadowproxy::oip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    static constexpr std::array<const char*, 14> datatypes{
        "BOOL",   "INT8",   "INT16", "INT32", "INT64", "UINT8", "UINT16",
        "UINT32", "UINT64", "FP16",  "FP32",  "FP64",  "BYTES", "FP8"};
    const char* datatype = input.PickValueInArray(datatypes);
    const auto count = input.ConsumeIntegralInRange<std::uint64_t>(0, 512);
    const std::string raw = input.ConsumeRandomLengthString(1024);
    static_cast<void>(so::decode_raw_tensor(datatype, count, raw));

    shadowproxy::config::compare_config settings;
    settings.grpc.prediction_output = input.ConsumeRandomLengthString(8);
    settings.grpc.reduce = input.ConsumeBool() ? shadowproxy::config::tensor_reduce::argmax
                                               : shadowproxy::config::tensor_reduce::value;
    settings.float_abs_tolerance = input.ConsumeFloatingPointInRange(0.0, 1.0);
    const bool framed = input.ConsumeBool();
    std::string production = input.ConsumeRandomLengthString(size);
    std::string shadow = input.ConsumeRemainingBytesAsString();
    if (framed) {
        production = so::grpc_frame(production);
        shadow = so::grpc_frame(shadow);
    }
    if (const auto message = so::unary_grpc_message(production)) {
        static_cast<void>(so::infer_response_view(*message));
        static_cast<void>(so::infer_request_view(*message));
    }
    sc::side_response production_side{std::nullopt, 200, production, 1.0};
    sc::side_response shadow_side{std::nullopt, 200, shadow, 1.0};
    production_side.kind = sc::body_kind::grpc_model_infer;
    shadow_side.kind = sc::body_kind::grpc_model_infer;
    static_cast<void>(sc::comparator(settings).compare(production_side, shadow_side));

    shadowproxy::config::features_config features;
    features.input =
        settings.grpc.prediction_output.empty() ? "x" : settings.grpc.prediction_output;
    static_cast<void>(shadowproxy::mirror::extract_features(production, features,
                                                            sc::body_kind::grpc_model_infer));
    return 0;
}
