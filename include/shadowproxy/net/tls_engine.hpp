// One TLS connection's OpenSSL state for tls_stream: the SSL object and the two byte queues
// between it and the socket. OpenSSL reads its records from `input` (filled by the stream's
// socket reads) and appends what it writes to `output` (sent by the stream, synchronously when
// the socket takes it, else by an async write) through a BIO of our own that never blocks: one
// copy each way, where Asio's engine copies twice through a BIO pair, and no buffer released
// and reallocated per record (Asio sets SSL_MODE_RELEASE_BUFFERS).
//
// Owned by its tls_stream (at a fixed address: the BIO points to it); used on that stream's
// thread only. Failures are error codes in Asio's ssl category, as Asio's engine reports them
// (eof after a close_notify, ssl::error::stream_truncated for a socket closed without one).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace shadowproxy::net {

class tls_engine {
public:
    enum class status { done, need_input, failed };
    using socket_type = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                         boost::asio::io_context::executor_type>;
    // The plaintext of one full TLS record.
    static constexpr std::size_t max_record = 16384;

    // Throws boost::system::system_error when OpenSSL cannot make the connection object.
    explicit tls_engine(SSL_CTX* context);
    ~tls_engine();
    tls_engine(const tls_engine&) = delete;
    tls_engine& operator=(const tls_engine&) = delete;

    SSL* native_handle() const { return ssl_; }

    // Steps of OpenSSL's operations. need_input: `input` is empty and OpenSSL needs more bytes
    // from the socket (the operation is then retried).
    void set_server(bool server);
    status handshake(boost::system::error_code& ec);
    status read(void* data, std::size_t size, std::size_t& bytes, boost::system::error_code& ec);
    // Encrypts all of `size` bytes (our BIO never blocks) into the output.
    status write(const void* data, std::size_t size, boost::system::error_code& ec);

    // Input from the socket not yet taken by OpenSSL, or records OpenSSL holds: a read may
    // succeed without touching the socket.
    bool has_input() const { return in_end_ > in_begin_ || SSL_has_pending(ssl_) == 1; }
    // Where the next socket read goes (the whole buffer: OpenSSL has taken all input when it
    // asks for more), and how much it got.
    boost::asio::mutable_buffer input_space();
    void commit_input(std::size_t bytes) { in_end_ += bytes; }
    // A socket read's error as the TLS stream reports it: eof without the peer's close_notify,
    // or with records left unread, is ssl::error::stream_truncated.
    boost::system::error_code map_read_error(boost::system::error_code ec) const;

    // Encrypted bytes not yet sent; while an async flush runs (flushing()), new ones queue up
    // behind it.
    bool has_output() const { return !out_.empty(); }
    std::size_t output_size() const { return out_.size(); }
    bool flushing() const { return !sending_.empty(); }
    // Sends what the socket takes now without blocking (nothing while an async flush runs);
    // would_block is no error.
    void send_now(socket_type& socket, boost::system::error_code& ec);
    // The output handed to an async write (kept alive until sent() is called).
    boost::asio::const_buffer take_output();
    void sent();

    // Room to gather a head and a body into one record: the thread's, used up by the write that
    // follows at once.
    static boost::asio::mutable_buffer scratch(std::size_t size);

private:
    static int bio_read(BIO* bio, char* data, int size);
    static int bio_write(BIO* bio, const char* data, int size);
    static long bio_ctrl(BIO* bio, int command, long number, void* pointer);
    status failure(int result, boost::system::error_code& ec);

    SSL* ssl_ = nullptr;
    std::vector<char> in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    std::string out_;
    std::string sending_;
};

}  // namespace shadowproxy::net
