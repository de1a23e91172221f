// A real HTTP/1.1 server on 127.0.0.1 for tests: it plays the other side of
// whatever fops talks to over HTTP where nothing real can run here (Argo
// CD, readiness endpoints, OTLP receivers, ClickHouse's HTTP port). It binds
// a free port, serves every connection on its own thread with keep-alive,
// answers through a handler you write, records every request, and can
// delay an answer or drop the connection to play faults. The destructor
// stops it and joins every thread, even while an answer is being delayed.
//
//   LoopbackHttpServer server([](const LoopbackHttpServer::Request& req) {
//     if (req.path == "/healthz") return LoopbackHttpServer::Response{.status = 200, .body = "ok"};
//     return LoopbackHttpServer::Response{.status = 404};
//   });
//   ASSERT_THAT(server.status(), IsOk());
//   http->Send({.url = server.Url("/healthz")});
//   EXPECT_EQ(server.requests()[0].method, "GET");
#ifndef FOPS_TESTS_CPP_SUPPORT_LOOPBACK_HTTP_SERVER_H_
#define FOPS_TESTS_CPP_SUPPORT_LOOPBACK_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace fops::testing {

/// Thread-safe: handlers run on the server's connection threads; every
/// public member may be called from any thread.
class LoopbackHttpServer {
 public:
  /// One request as the server received it.
  struct Request {
    std::string method;  ///< "GET", "POST", ...
    std::string path;    ///< "/api/v1/applications/api", without the query
    std::string query;   ///< "refresh=hard" (no '?'); "" when absent
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lowercased
    std::string body;    ///< Content-Length or chunked body, decoded
    /// The first header named `name` (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
  };

  /// What to answer. Content-Length is added unless given in `headers`.
  struct Response {
    int status = 200;  ///< any status, 1xx excepted
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    absl::Duration delay = absl::ZeroDuration();  ///< wait before answering
    bool drop = false;  ///< close the connection without answering
  };

  using Handler = std::function<Response(const Request&)>;

  /// Binds 127.0.0.1 on a free port and starts serving; see status().
  explicit LoopbackHttpServer(Handler handler);
  /// Stops accepting, wakes delayed answers, closes connections, joins threads.
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  /// OK once listening; the bind/listen error otherwise.
  absl::Status status() const;
  /// The port it listens on (0 if it failed to start).
  int port() const;
  /// "http://127.0.0.1:PORT" + `path_and_query`.
  std::string Url(std::string_view path_and_query = "/") const;
  /// Replaces the handler for requests that arrive from now on.
  void SetHandler(Handler handler);
  /// Every request received so far, in arrival order.
  std::vector<Request> requests() const;
  /// Blocks until at least `count` requests arrived or `timeout` passed;
  /// true if they arrived. For clients that send in the background.
  bool WaitForRequests(size_t count, absl::Duration timeout) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_LOOPBACK_HTTP_SERVER_H_
