// Percent-encoding of one URL path segment or query value (RFC 3986: every
// byte but the unreserved ones). Shared by the clients that put a name a
// user gave into a URL, so the name cannot change the path.
#ifndef FOPS_SRC_NET_PERCENT_ENCODE_H_
#define FOPS_SRC_NET_PERCENT_ENCODE_H_

#include <string>
#include <string_view>

namespace fops {

/// `text` with every byte outside [A-Za-z0-9-_.~] as %XX.
std::string PercentEncode(std::string_view text);

}  // namespace fops

#endif  // FOPS_SRC_NET_PERCENT_ENCODE_H_
