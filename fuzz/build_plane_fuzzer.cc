// BuildPlane::Parse on any text as the topology file "fuzz.yaml".
// Invariants: it never crashes nor throws; every error is kInvalidArgument
// or kFailedPrecondition and names the file; a plane that loads answers
// every question about itself (environment, registries.conf, cache scopes,
// repositories, tags) without failing where its own checks promised.
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "fops/model/build_plane.h"
#include "fuzz_check.h"

using fops::BuildPlane;
using fops::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fops::fuzz::Text(data, size);
  absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(text, "fuzz.yaml");
  if (!plane.ok()) {
    fops::fuzz::RequireCode(plane.status(),
                            {absl::StatusCode::kInvalidArgument,
                             absl::StatusCode::kFailedPrecondition},
                            "BuildPlane::Parse");
    Require(absl::StartsWith(plane.status().message(), "fuzz.yaml"),
            "every error starts with the file's name", plane.status().ToString());
    return 0;
  }
  Require(plane->file() == "fuzz.yaml", "the plane remembers its file");
  std::map<std::string, std::string> seen;
  for (const auto& [key, value] : plane->Environment()) {
    Require(seen.emplace(key, value).second, "environment variables are unique", key);
  }
  (void)plane->RegistriesConf();
  const bool has_cache = plane->cache_registry() != nullptr;
  for (const fops::Target& target : plane->targets()) {
    Require(plane->RepositoryFor(target.name).ok(), "every target has a repository", target.name);
    for (const fops::Stage& stage : plane->stages()) {
      absl::StatusOr<fops::CacheScope> scope = plane->ScopeFor(stage.name, target.name);
      Require(scope.ok() == has_cache, "every stage and target has a scope when there is a cache",
              stage.name + "/" + target.name + ": " + scope.status().ToString());
    }
  }
  // Hex values that look like a real revision and input digest.
  const fops::TagValues values{.revision = "4f2a9c0d1e7b3a5c6d8e9f0a1b2c3d4e5f6a7b8c",
                               .inputs = "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                               .target = plane->targets().empty() ? "t"
                                                                  : plane->targets().front().name};
  // A custom release pattern may match any value; the default one matches
  // no template the plane accepted, whatever the revision and digest.
  const bool default_pattern =
      plane->tag_policy().release_pattern() == fops::TagPolicy::kDefaultReleasePattern;
  for (const fops::Stage& stage : plane->stages()) {
    if (!default_pattern) break;
    fops::TagValues v = values;
    v.stage = stage.name;
    absl::StatusOr<std::string> tag = plane->tag_policy().TagFor(stage.name, v);
    Require(tag.ok(), "every stage's template renders a dev tag",
            stage.tag_template + ": " + tag.status().ToString());
  }
  return 0;
}
