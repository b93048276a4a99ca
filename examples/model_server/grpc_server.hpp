// The example model server's gRPC side: `/inference.GRPCInferenceService/ModelInfer`
// (oip_api.hpp) over HTTP/2 with prior knowledge (h2c), nghttp2's server session driven by Asio.
// Unary calls only; every stream of a connection is answered on its own.
//
// Owned by server.cpp, which starts one session per accepted socket. A session owns itself
// through shared_from_this and runs on its socket's strand only, sharing nothing but the
// immutable model and options. A bad call gets a gRPC status (trailers-only answer); a request
// that is not a gRPC POST gets 405 or 415; a protocol error or 60 s without traffic closes the
// connection. Nothing throws.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "model_server/model.hpp"
#include "model_server/server.hpp"

namespace shadowproxy::examples {

void start_grpc_session(boost::asio::ip::tcp::socket&& socket, const softmax_model& model,
                        const server_options& options);

}  // namespace shadowproxy::examples
