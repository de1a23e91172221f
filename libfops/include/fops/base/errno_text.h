// strerror(3) as it reads inside a sentence: "connection refused" rather
// than "Connection refused" ("not ready after 30s: connection refused").
//
//   return absl::UnavailableError(absl::StrCat("connect: ", ErrnoText(errno)));
#ifndef FOPS_BASE_ERRNO_TEXT_H_
#define FOPS_BASE_ERRNO_TEXT_H_

#include <string>

namespace fops {

/// The message of errno value `err`, first letter lowercased.
std::string ErrnoText(int err);

}  // namespace fops

#endif  // FOPS_BASE_ERRNO_TEXT_H_
