#include "fops/telemetry/jsonl_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fops {

JsonlSink::JsonlSink(std::filesystem::path path) : path_(std::move(path)) {}

SinkAnswer JsonlSink::Send(std::span<const BuildEvent> batch, absl::Time deadline) {
  (void)deadline;  // a local append does not wait on anyone
  std::string lines;
  for (const BuildEvent& event : batch) {
    lines += DumpJson(event.ToJson());
    lines += '\n';
  }
  SinkAnswer answer;
  answer.kind = SinkAnswer::Kind::kRejected;
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) {
    answer.message = absl::StrCat("creating ", path_.parent_path().string(), ": ", ec.message());
    return answer;
  }
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    answer.message = absl::StrCat("opening ", path_.string(), ": ", std::strerror(errno));
    return answer;
  }
  size_t written = 0;
  while (written < lines.size()) {
    ssize_t n = ::write(fd, lines.data() + written, lines.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      answer.message = absl::StrCat("writing ", path_.string(), ": ", std::strerror(errno));
      ::close(fd);
      return answer;
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    answer.message = absl::StrCat("closing ", path_.string(), ": ", std::strerror(errno));
    return answer;
  }
  return SinkAnswer::Delivered();
}

}  // namespace fops
