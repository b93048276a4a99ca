// The synchronous first attempt of a write, shared by the upstream exchange (request to an
// upstream) and the client session (answer to the client): a message usually fits the socket's
// send buffer, and written right away it needs no async operation and no timeout timer armed
// and cancelled.
//
// Called on the socket's own thread. Never blocks and never throws: an error or a rest leaves
// `pending` for the caller's async write, which then reports or finishes it, so completions
// still never run inside the caller.
#pragma once

#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/error.hpp>

namespace shadowproxy::upstream {

// Writes what the socket takes now; true when all of `pending` went. Switches the socket to
// non-blocking mode on first use (an ioctl: once per connection).
template <typename Socket, typename Buffers>
bool write_now(Socket& socket, boost::beast::buffers_suffix<Buffers>& pending) {
    boost::beast::error_code ec;
    if (!socket.non_blocking()) {
        socket.non_blocking(true, ec);
    }
    if (ec) {
        return false;
    }
    pending.consume(socket.write_some(pending, ec));
    return !ec && boost::beast::buffer_bytes(pending) == 0;
}

}  // namespace shadowproxy::upstream
