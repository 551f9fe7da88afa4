#include "launch/web/http_get.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace dact::launch {

std::optional<std::string> http_get(const HostPort& address, const std::string& target, double timeout_s) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, address.host);
  http::response<http::string_body> response;
  std::optional<std::string> body;
  stream.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(timeout_s)));
  resolver.async_resolve(address.host, std::to_string(address.port), [&](beast::error_code error, auto endpoints) {
    if (error) return;
    stream.async_connect(endpoints, [&](beast::error_code error, const auto&) {
      if (error) return;
      http::async_write(stream, request, [&](beast::error_code error, size_t) {
        if (error) return;
        http::async_read(stream, buffer, response, [&](beast::error_code error, size_t) {
          if (!error && response.result() == http::status::ok) body = response.body();
        });
      });
    });
  });
  io.run_for(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(timeout_s + 0.5)));
  return body;
}

}  // namespace dact::launch
