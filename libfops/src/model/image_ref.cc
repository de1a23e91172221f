#include "fops/model/image_ref.h"

#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsWord(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsHex(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

std::string Quoted(std::string_view s) { return absl::StrCat("\"", ToAbsl(s), "\""); }

absl::Status Invalid(std::string_view part, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(part), " ", Quoted(value), ": ", ToAbsl(why)));
}

// One domain-component: [a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9].
absl::Status CheckHostLabel(std::string_view domain, std::string_view label) {
  if (label.empty()) {
    return Invalid("domain", domain, "has an empty label (two dots, or a dot at an end)");
  }
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Invalid("domain", domain,
                     absl::StrCat("'", std::string(1, c),
                                  "' is not allowed in a host name (letters, digits, '-', '.')"));
    }
  }
  if (label.front() == '-' || label.back() == '-') {
    return Invalid("domain", domain,
                   absl::StrCat("label ", Quoted(label), " must not start or end with '-'"));
  }
  return absl::OkStatus();
}

absl::Status CheckPort(std::string_view domain, std::string_view port) {
  if (port.empty()) return Invalid("domain", domain, "has ':' but no port number after it");
  for (char c : port) {
    if (c < '0' || c > '9') {
      return Invalid("domain", domain,
                     absl::StrCat("port ", Quoted(port), " must be a decimal number"));
    }
  }
  const int number = port.size() > 5 ? 0 : std::stoi(std::string(port));
  if (number < 1 || number > 65535) {
    return Invalid("domain", domain, absl::StrCat("port ", ToAbsl(port), " is not in 1-65535"));
  }
  return absl::OkStatus();
}

// Expected hex length of the registered digest algorithms (go-digest).
int DigestHexLength(std::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha384") return 96;
  if (algorithm == "sha512") return 128;
  return 0;
}

// Docker's rule: the first component is a registry domain when it has a
// '.' or ':', is "localhost", or has an uppercase letter.
bool LooksLikeDomain(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         absl::AsciiStrToLower(ToAbsl(first)) != ToAbsl(first);
}

bool IsImageId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!IsHex(c) || absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::Status ImageRef::CheckDomain(std::string_view domain) {
  if (domain.empty()) return absl::InvalidArgumentError("domain is empty");
  std::string_view host = domain;
  std::string_view port;
  bool has_port = false;
  if (domain.front() == '[') {
    size_t close = domain.find(']');
    if (close == std::string_view::npos) {
      return Invalid("domain", domain, "IPv6 address has no closing ']'");
    }
    std::string_view address = domain.substr(1, close - 1);
    if (address.empty()) return Invalid("domain", domain, "IPv6 address is empty");
    for (char c : address) {
      if (!IsHex(c) && c != ':') {
        return Invalid("domain", domain,
                       absl::StrCat("'", std::string(1, c),
                                    "' is not allowed in an IPv6 address (hex digits and ':')"));
      }
    }
    std::string_view rest = domain.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Invalid("domain", domain, "only ':port' may follow the IPv6 address");
      }
      has_port = true;
      port = rest.substr(1);
    }
    return has_port ? CheckPort(domain, port) : absl::OkStatus();
  }
  if (size_t colon = domain.find(':'); colon != std::string_view::npos) {
    host = domain.substr(0, colon);
    port = domain.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return Invalid("domain", domain, "has a port but no host");
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (absl::Status s = CheckHostLabel(domain, label); !s.ok()) return s;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return has_port ? CheckPort(domain, port) : absl::OkStatus();
}

absl::Status ImageRef::CheckPathComponent(std::string_view component) {
  if (component.empty()) {
    return absl::InvalidArgumentError(
        "path component is empty (two '/' in a row, or '/' at an end)");
  }
  for (char c : component) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return Invalid("path component", component,
                     absl::StrCat("must be lowercase (found '", std::string(1, c), "')"));
    }
    if (!IsLowerAlnum(c) && c != '.' && c != '_' && c != '-') {
      return Invalid("path component", component,
                     absl::StrCat("'", std::string(1, c),
                                  "' is not allowed (lowercase letters, digits, and the "
                                  "separators '.', '_', '__', '-')"));
    }
  }
  if (!IsLowerAlnum(component.front()) || !IsLowerAlnum(component.back())) {
    return Invalid("path component", component, "must start and end with a letter or digit");
  }
  // Separators: exactly one '.', one or two '_', or any run of '-'.
  for (size_t i = 0; i < component.size();) {
    if (IsLowerAlnum(component[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < component.size() && !IsLowerAlnum(component[j])) ++j;
    std::string_view sep = component.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == std::string_view::npos;
    if (!ok) {
      return Invalid("path component", component,
                     absl::StrCat("separator ", Quoted(sep),
                                  " is not allowed (use one of '.', '_', '__' or dashes)"));
    }
    i = j;
  }
  return absl::OkStatus();
}

absl::Status ImageRef::CheckPath(std::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("path is empty");
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view component = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (absl::Status s = CheckPathComponent(component); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("path ", Quoted(path), ": ", s.message()));
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return absl::OkStatus();
}

absl::Status ImageRef::CheckTag(std::string_view tag) {
  if (tag.empty()) return absl::InvalidArgumentError("tag is empty (nothing after ':')");
  if (!IsWord(tag.front())) {
    return Invalid("tag", tag, "must start with a letter, digit or '_'");
  }
  for (char c : tag) {
    if (!IsWord(c) && c != '.' && c != '-') {
      return Invalid("tag", tag,
                     absl::StrCat("'", std::string(1, c),
                                  "' is not allowed (letters, digits, '_', '.', '-')"));
    }
  }
  if (tag.size() > kMaxTagLength) {
    return Invalid("tag", tag,
                   absl::StrCat("is ", tag.size(), " characters; at most ", kMaxTagLength));
  }
  return absl::OkStatus();
}

absl::Status ImageRef::CheckDigest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (digest.empty()) return absl::InvalidArgumentError("digest is empty (nothing after '@')");
  if (colon == std::string_view::npos) {
    return Invalid("digest", digest, "must be 'algorithm:hex' (e.g. sha256:<64 hex digits>)");
  }
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  // algorithm-component ([A-Za-z][A-Za-z0-9]*) joined by [+._-].
  bool algorithm_ok = !algorithm.empty();
  bool want_letter = true;
  for (char c : algorithm) {
    bool alpha = absl::ascii_isalpha(static_cast<unsigned char>(c));
    bool digit = absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (want_letter) {
      if (!alpha) algorithm_ok = false;
      want_letter = false;
    } else if (c == '+' || c == '.' || c == '_' || c == '-') {
      want_letter = true;
    } else if (!alpha && !digit) {
      algorithm_ok = false;
    }
  }
  if (!algorithm_ok || want_letter) {
    return Invalid("digest", digest,
                   absl::StrCat("algorithm ", Quoted(algorithm), " is malformed"));
  }
  int want = DigestHexLength(algorithm);
  if (want == 0) {
    return Invalid("digest", digest,
                   absl::StrCat("algorithm ", Quoted(algorithm),
                                " is not supported (sha256, sha384, sha512)"));
  }
  for (char c : hex) {
    if (!IsHex(c) || absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return Invalid("digest", digest, "the hex part must be lowercase hex digits");
    }
  }
  if (static_cast<int>(hex.size()) != want) {
    return Invalid("digest", digest,
                   absl::StrCat(ToAbsl(algorithm), " needs ", want, " hex digits, found ",
                                hex.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<ImageRef> ImageRef::FromParts(std::string_view domain, std::string_view path,
                                             std::string_view tag, std::string_view digest) {
  if (absl::Status s = CheckDomain(domain); !s.ok()) return s;
  if (absl::Status s = CheckPath(path); !s.ok()) return s;
  if (!tag.empty()) {
    if (absl::Status s = CheckTag(tag); !s.ok()) return s;
  }
  if (!digest.empty()) {
    if (absl::Status s = CheckDigest(digest); !s.ok()) return s;
  }
  ImageRef ref;
  ref.domain_ = std::string(domain);
  ref.path_ = std::string(path);
  ref.tag_ = std::string(tag);
  ref.digest_ = std::string(digest);
  size_t name_length = ref.domain_.size() + 1 + ref.path_.size();
  if (name_length > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("name ", Quoted(ref.Name()), " is ",
                                                   name_length, " characters; at most ",
                                                   kMaxNameLength));
  }
  return ref;
}

absl::StatusOr<ImageRef> ImageRef::Parse(std::string_view text) {
  auto fail = [text](const absl::Status& s) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid image reference ", Quoted(text), ": ", s.message()));
  };
  if (text.empty()) return absl::InvalidArgumentError("invalid image reference: it is empty");
  std::string_view name = text;
  std::string_view tag;
  std::string_view digest;
  bool has_tag = false;
  bool has_digest = false;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    name = text.substr(0, at);
    digest = text.substr(at + 1);
    has_digest = true;
  }
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
    has_tag = true;
  }
  if (name.empty()) return fail(absl::InvalidArgumentError("name is empty"));
  if (IsImageId(name)) {
    return fail(absl::InvalidArgumentError(
        "a 64-character hexadecimal string is an image ID, not a repository name"));
  }
  std::string domain(kDefaultDomain);
  std::string path(name);
  if (size_t first = name.find('/');
      first != std::string_view::npos && LooksLikeDomain(name.substr(0, first))) {
    domain = std::string(name.substr(0, first));
    path = std::string(name.substr(first + 1));
  }
  if (domain == "index.docker.io") domain = std::string(kDefaultDomain);
  if (domain == kDefaultDomain && path.find('/') == std::string::npos) {
    path = absl::StrCat("library/", path);
  }
  if (has_tag) {
    if (absl::Status s = CheckTag(tag); !s.ok()) return fail(s);
  }
  if (has_digest) {
    if (absl::Status s = CheckDigest(digest); !s.ok()) return fail(s);
  }
  absl::StatusOr<ImageRef> ref = FromParts(domain, path, tag, digest);
  if (!ref.ok()) return fail(ref.status());
  return ref;
}

std::string ImageRef::Name() const { return absl::StrCat(domain_, "/", path_); }

std::string ImageRef::String() const {
  std::string out = Name();
  if (!tag_.empty()) absl::StrAppend(&out, ":", tag_);
  if (!digest_.empty()) absl::StrAppend(&out, "@", digest_);
  return out;
}

std::string ImageRef::Familiar() const {
  std::string out;
  if (domain_ == kDefaultDomain) {
    std::string_view path = path_;
    constexpr std::string_view kLibrary = "library/";
    if (path.substr(0, kLibrary.size()) == kLibrary &&
        path.find('/', kLibrary.size()) == std::string_view::npos &&
        !IsImageId(path.substr(kLibrary.size()))) {
      path.remove_prefix(kLibrary.size());
    }
    // Without docker.io/, a first component that looks like a domain
    // (docker.io/localhost/app, docker.io/a.b/c) would be read as one.
    const std::string_view first = path.substr(0, path.find('/'));
    out = first.size() < path.size() && LooksLikeDomain(first) ? Name() : std::string(path);
  } else {
    out = Name();
  }
  if (!tag_.empty()) absl::StrAppend(&out, ":", tag_);
  if (!digest_.empty()) absl::StrAppend(&out, "@", digest_);
  return out;
}

absl::StatusOr<ImageRef> ImageRef::WithTag(std::string_view tag) const {
  if (absl::Status s = CheckTag(tag); !s.ok()) return s;
  ImageRef ref = *this;
  ref.tag_ = std::string(tag);
  ref.digest_.clear();
  return ref;
}

absl::StatusOr<ImageRef> ImageRef::WithDigest(std::string_view digest) const {
  if (absl::Status s = CheckDigest(digest); !s.ok()) return s;
  ImageRef ref = *this;
  ref.digest_ = std::string(digest);
  return ref;
}

}  // namespace fops
