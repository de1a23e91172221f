// ImageRef::Parse on any text. Invariants: a reference that parses prints
// (String) as text that parses back to the same reference; its Docker short
// form (Familiar) parses back to the same reference too; its parts pass the
// checks Parse applies; a refusal is kInvalidArgument.
#include <cstdint>
#include <string>

#include "fops/model/image_ref.h"
#include "fuzz_check.h"

using fops::ImageRef;
using fops::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fops::fuzz::Text(data, size);
  absl::StatusOr<ImageRef> ref = ImageRef::Parse(text);
  if (!ref.ok()) {
    Require(absl::IsInvalidArgument(ref.status()), "Parse refuses with kInvalidArgument",
            ref.status().ToString());
    return 0;
  }
  const std::string normal = ref->String();
  absl::StatusOr<ImageRef> again = ImageRef::Parse(normal);
  Require(again.ok() && *again == *ref, "String() parses back to the same reference",
          std::string(text) + " -> " + normal);

  const std::string familiar = ref->Familiar();
  absl::StatusOr<ImageRef> short_form = ImageRef::Parse(familiar);
  Require(short_form.ok() && *short_form == *ref, "Familiar() parses back to the same reference",
          std::string(text) + " -> " + familiar + " -> " +
              (short_form.ok() ? short_form->String() : short_form.status().ToString()));

  absl::StatusOr<ImageRef> parts =
      ImageRef::FromParts(ref->domain(), ref->path(), ref->tag(), ref->digest());
  Require(parts.ok() && *parts == *ref, "FromParts accepts the parts Parse produced", normal);
  Require(ref->Name().size() <= ImageRef::kMaxNameLength, "names are at most 255 characters",
          normal);
  Require(!ref->domain().empty() && !ref->path().empty(), "domain and path are never empty",
          normal);
  if (!ref->tag().empty()) {
    absl::StatusOr<ImageRef> retagged = ref->WithTag(ref->tag());
    Require(retagged.ok() && retagged->tag() == ref->tag() && retagged->digest().empty(),
            "WithTag keeps a tag Parse accepted and drops the digest", normal);
  }
  return 0;
}
