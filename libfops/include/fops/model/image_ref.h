// An image reference in the OCI distribution grammar (the one `docker pull`,
// buildah and registries accept): `[domain/]path[:tag][@digest]`, with the
// domain a host name, IPv4 address or bracketed IPv6 address and an optional
// port. Parse() normalises as Docker does, so `ubuntu` and
// `docker.io/library/ubuntu` are the same reference, and rejects a bad one
// with a message naming the part that is wrong and why. Plain value.
//
//   FOPS_ASSIGN_OR_RETURN(ImageRef ref, ImageRef::Parse("localhost:5000/app:dev-1"));
//   ref.domain();   // "localhost:5000"
//   ref.path();     // "app"
//   ref.String();   // "localhost:5000/app:dev-1"
//   ImageRef::Parse("ubuntu")->String();  // "docker.io/library/ubuntu"
#ifndef FOPS_MODEL_IMAGE_REF_H_
#define FOPS_MODEL_IMAGE_REF_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fops {

class ImageRef {
 public:
  /// The registry Docker assumes when a reference names none.
  static constexpr std::string_view kDefaultDomain = "docker.io";
  /// Longest `domain/path`, as in the distribution reference library.
  static constexpr size_t kMaxNameLength = 255;
  /// Longest tag (the grammar's `[\w][\w.-]{0,127}`).
  static constexpr size_t kMaxTagLength = 128;

  /// Parses and normalises `text`; kInvalidArgument names the wrong part.
  static absl::StatusOr<ImageRef> Parse(std::string_view text);

  /// A reference from its parts; each part is checked as Parse() would.
  /// `domain` is used as given (no Docker defaults); `tag`/`digest` may be empty.
  static absl::StatusOr<ImageRef> FromParts(std::string_view domain, std::string_view path,
                                            std::string_view tag = "",
                                            std::string_view digest = "");

  /// OK when `domain` is `host[:port]` (host: name, IPv4 or `[IPv6]`).
  static absl::Status CheckDomain(std::string_view domain);
  /// OK when `path` is lowercase components joined by `/`.
  static absl::Status CheckPath(std::string_view path);
  /// OK when `component` is one path component (`[a-z0-9]+` joined by separators).
  static absl::Status CheckPathComponent(std::string_view component);
  /// OK when `tag` matches `[\w][\w.-]{0,127}`.
  static absl::Status CheckTag(std::string_view tag);
  /// OK when `digest` is `algorithm:hex` with the algorithm's hex length.
  static absl::Status CheckDigest(std::string_view digest);

  /// `registry.example.com:5000`, `docker.io`, `[::1]:5000`; never empty after Parse.
  const std::string& domain() const { return domain_; }
  /// The repository path in the registry: `library/ubuntu`, `yamonco/api`.
  const std::string& path() const { return path_; }
  /// The tag, or "" when the reference has none.
  const std::string& tag() const { return tag_; }
  /// The digest (`sha256:…`), or "" when the reference has none.
  const std::string& digest() const { return digest_; }

  /// `domain/path`: the repository, without tag or digest.
  std::string Name() const;
  /// The normalised reference: `domain/path[:tag][@digest]`.
  std::string String() const;
  /// Docker's short form: `ubuntu` for `docker.io/library/ubuntu`,
  /// `user/app` for `docker.io/user/app`; other domains stay.
  std::string Familiar() const;

  /// The same repository with `tag` (and no digest); checks the tag.
  absl::StatusOr<ImageRef> WithTag(std::string_view tag) const;
  /// The same reference pinned to `digest` (tag kept); checks the digest.
  absl::StatusOr<ImageRef> WithDigest(std::string_view digest) const;

  friend bool operator==(const ImageRef&, const ImageRef&) = default;

 private:
  std::string domain_;
  std::string path_;
  std::string tag_;
  std::string digest_;
};

}  // namespace fops

#endif  // FOPS_MODEL_IMAGE_REF_H_
