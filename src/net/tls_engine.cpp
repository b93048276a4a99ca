#include "shadowproxy/net/tls_engine.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/system_error.hpp>
#include <climits>
#include <cstring>

namespace shadowproxy::net {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Room for one record as it comes off the wire (16 KiB of plaintext and its overhead).
constexpr std::size_t input_capacity = 17 * 1024;
// An output queue that grew past this for a big answer is freed once sent, not kept for the
// connection's lifetime.
constexpr std::size_t output_kept = 20 * 1024;

void clear_output(std::string& output) {
    if (output.capacity() > output_kept) {
        std::string().swap(output);
    } else {
        output.clear();
    }
}

int clamp(std::size_t size) {
    return static_cast<int>(std::min<std::size_t>(size, INT_MAX));
}

// The BIO method, made once: OpenSSL keeps a pointer to it in every BIO.
const BIO_METHOD* engine_bio_method(int (*read)(BIO*, char*, int),
                                    int (*write)(BIO*, const char*, int),
                                    long (*ctrl)(BIO*, int, long, void*)) {
    static BIO_METHOD* const method = [&] {
        BIO_METHOD* made =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "shadowproxy tls_engine");
        if (made != nullptr) {
            BIO_meth_set_read(made, read);
            BIO_meth_set_write(made, write);
            BIO_meth_set_ctrl(made, ctrl);
            BIO_meth_set_create(made, [](BIO* bio) {
                BIO_set_init(bio, 1);
                return 1;
            });
        }
        return made;
    }();
    return method;
}

// SSL_get_error needs an empty error queue before the operation; clearing it costs more than
// looking at it (OpenSSL 3 walks every slot), and it is almost always empty.
void clear_errors() {
    if (ERR_peek_error() != 0) {
        ERR_clear_error();
    }
}

[[noreturn]] void throw_openssl(const char* what) {
    const error_code ec(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
    ERR_clear_error();
    throw boost::system::system_error(ec, what);
}

}  // namespace

tls_engine::tls_engine(SSL_CTX* context) {
    const BIO_METHOD* method = engine_bio_method(bio_read, bio_write, bio_ctrl);
    if (method == nullptr) {
        throw_openssl("BIO_meth_new");
    }
    ssl_ = SSL_new(context);
    if (ssl_ == nullptr) {
        throw_openssl("SSL_new");
    }
    BIO* bio = BIO_new(method);
    if (bio == nullptr) {
        SSL_free(ssl_);
        throw_openssl("BIO_new");
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one reference, owned by the SSL object
}

tls_engine::~tls_engine() {
    SSL_free(ssl_);
}

void tls_engine::set_server(bool server) {
    if (server) {
        SSL_set_accept_state(ssl_);
    } else {
        SSL_set_connect_state(ssl_);
    }
}

tls_engine::status tls_engine::handshake(error_code& ec) {
    clear_errors();
    const int result = SSL_do_handshake(ssl_);
    return result == 1 ? status::done : failure(result, ec);
}

tls_engine::status tls_engine::read(void* data, std::size_t size, std::size_t& bytes,
                                    error_code& ec) {
    clear_errors();
    const int result = SSL_read(ssl_, data, clamp(size));
    if (result > 0) {
        bytes = static_cast<std::size_t>(result);
        return status::done;
    }
    return failure(result, ec);
}

tls_engine::status tls_engine::write(const void* data, std::size_t size, error_code& ec) {
    clear_errors();
    const int result = SSL_write(ssl_, data, clamp(size));
    if (result > 0) {
        return status::done;
    }
    const status outcome = failure(result, ec);
    if (outcome == status::need_input) {
        // Only a renegotiation makes a write wait for input, and it is refused.
        ec = asio::ssl::error::unexpected_result;
        return status::failed;
    }
    return outcome;
}

// As Asio's engine maps OpenSSL's results, so callers see the same error codes.
tls_engine::status tls_engine::failure(int result, error_code& ec) {
    switch (SSL_get_error(ssl_, result)) {
        case SSL_ERROR_WANT_READ:
            return status::need_input;
        case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
            ec = asio::error::eof;
            return status::failed;
        case SSL_ERROR_SSL:
            ec = error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
            break;
        case SSL_ERROR_SYSCALL:
            if (const unsigned long error = ERR_get_error(); error != 0) {
                ec = error_code(static_cast<int>(error), asio::error::get_ssl_category());
            } else {
                ec = asio::ssl::error::unspecified_system_error;
            }
            break;
        default:
            ec = asio::ssl::error::unexpected_result;
            break;
    }
    ERR_clear_error();
    return status::failed;
}

asio::mutable_buffer tls_engine::input_space() {
    if (in_begin_ == in_end_) {
        in_begin_ = in_end_ = 0;
    } else if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    if (in_.size() == in_end_) {
        in_.resize(std::max(input_capacity, 2 * in_.size()));
    }
    return asio::buffer(in_.data() + in_end_, in_.size() - in_end_);
}

error_code tls_engine::map_read_error(error_code ec) const {
    if (ec == asio::error::eof &&
        (in_end_ > in_begin_ || (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) == 0)) {
        return asio::ssl::error::stream_truncated;
    }
    return ec;
}

void tls_engine::send_now(socket_type& socket, error_code& ec) {
    if (out_.empty() || flushing()) {
        return;
    }
    if (!socket.non_blocking()) {
        socket.non_blocking(true, ec);  // an ioctl, once per connection
        if (ec) {
            return;
        }
    }
    const std::size_t sent = socket.write_some(asio::buffer(out_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
    }
    if (sent == out_.size()) {
        clear_output(out_);
    } else {
        out_.erase(0, sent);
    }
}

asio::const_buffer tls_engine::take_output() {
    sending_.swap(out_);
    out_.clear();
    return asio::buffer(sending_);
}

void tls_engine::sent() {
    clear_output(sending_);
}

asio::mutable_buffer tls_engine::scratch(std::size_t size) {
    thread_local std::vector<char> space;
    if (space.size() < size) {
        space.resize(size);
    }
    return asio::buffer(space.data(), size);
}

int tls_engine::bio_read(BIO* bio, char* data, int size) {
    auto& self = *static_cast<tls_engine*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    const std::size_t available = self.in_end_ - self.in_begin_;
    if (available == 0) {
        BIO_set_retry_read(bio);
        return -1;
    }
    const std::size_t n = std::min(available, static_cast<std::size_t>(std::max(size, 0)));
    std::memcpy(data, self.in_.data() + self.in_begin_, n);
    self.in_begin_ += n;
    return static_cast<int>(n);
}

int tls_engine::bio_write(BIO* bio, const char* data, int size) {
    auto& self = *static_cast<tls_engine*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    self.out_.append(data, static_cast<std::size_t>(std::max(size, 0)));
    return size;
}

long tls_engine::bio_ctrl(BIO* bio, int command, long, void*) {
    switch (command) {
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_CTRL_PENDING: {
            const auto& self = *static_cast<const tls_engine*>(BIO_get_data(bio));
            return static_cast<long>(self.in_end_ - self.in_begin_);
        }
        default:
            return 0;
    }
}

}  // namespace shadowproxy::net
