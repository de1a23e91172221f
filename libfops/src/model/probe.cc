#include "fops/model/probe.h"

#include "absl/strings/str_cat.h"
#include "fops/base/shell_quote.h"

namespace fops {

std::string ProbeToString(const Probe& probe) {
  if (const auto* http = std::get_if<HttpGetAction>(&probe.action)) {
    return absl::StrCat("http_get ", http->scheme, "://", http->host, ":", http->port,
                        http->path);
  }
  if (const auto* tcp = std::get_if<TcpSocketAction>(&probe.action)) {
    return absl::StrCat("tcp_socket ", tcp->host, ":", tcp->port);
  }
  return absl::StrCat("exec ", ShellJoin(std::get<ExecAction>(probe.action).command));
}

}  // namespace fops
