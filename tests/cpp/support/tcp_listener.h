// A TCP socket listening on a free 127.0.0.1 port, for readiness probes to
// connect to; and free ports for servers a test starts itself.
//
//   TcpListener open;            // connections are accepted by the kernel
//   TcpListener closed; closed.Close();   // now the port refuses
//   int port = FreeLoopbackPort();        // for `python3 -m http.server PORT`
#ifndef FOPS_TESTS_CPP_SUPPORT_TCP_LISTENER_H_
#define FOPS_TESTS_CPP_SUPPORT_TCP_LISTENER_H_

namespace fops::testing {

class TcpListener {
 public:
  /// Binds 127.0.0.1 on a port the kernel picks, and listens.
  TcpListener();
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  /// Stops listening; the port then refuses connections.
  void Close();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// A loopback port that was free a moment ago (bound, then released).
int FreeLoopbackPort();

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_TCP_LISTENER_H_
