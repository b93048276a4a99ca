#include "support/oip_messages.hpp"

#include <cstring>
#include <vector>

#include "open_inference.pb.h"
#include "shadowproxy/oip/grpc_message.hpp"

namespace shadowproxy::testing {

namespace {

std::string fp32_raw(const std::vector<float>& values) {
    std::string out(values.size() * sizeof(float), '\0');
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

}  // namespace

std::string infer_request() {
    inference::ModelInferRequest request;
    request.set_model_name("iris");
    auto* input = request.add_inputs();
    input->set_name("measurements");
    input->set_datatype("FP32");
    input->add_shape(1);
    input->add_shape(2);
    input->mutable_contents()->add_fp32_contents(5.5F);
    input->mutable_contents()->add_fp32_contents(3.5F);
    return oip::grpc_frame(request.SerializeAsString());
}

h2_reply infer_reply(bool shadow, int grpc_status) {
    inference::ModelInferResponse response;
    response.set_model_name("iris");
    response.set_id("req-1");
    auto* output = response.add_outputs();
    output->set_name("probabilities");
    output->set_datatype("FP32");
    output->add_shape(1);
    output->add_shape(4);
    response.add_raw_output_contents(fp32_raw({0.1F, 0.2F, 0.3F, shadow ? 0.401F : 0.4F}));
    h2_reply reply;
    reply.headers = {{"content-type", "application/grpc"}};
    reply.body = oip::grpc_frame(response.SerializeAsString());
    reply.trailers = {{"grpc-status", std::to_string(grpc_status)}};
    if (grpc_status != 0) {
        reply.trailers.emplace_back("grpc-message", "unavailable");
    }
    return reply;
}

}  // namespace shadowproxy::testing
