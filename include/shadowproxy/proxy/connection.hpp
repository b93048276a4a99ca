// What a worker knows of each client connection it accepted, whatever the protocol spoken on it
// (client_session for HTTP/1.1, h2_session for HTTP/2): enough to drain and to abort.
//
// Implemented by the sessions; called on the worker's thread only. Neither call throws.
#pragma once

namespace shadowproxy::proxy {

class connection {
public:
    virtual ~connection() = default;
    // Closes the connection if no request is in progress; HTTP/2 sends GOAWAY and lets the
    // streams in flight finish.
    virtual void close_if_idle() = 0;
    // Closes the connection now.
    virtual void close() = 0;
};

}  // namespace shadowproxy::proxy
