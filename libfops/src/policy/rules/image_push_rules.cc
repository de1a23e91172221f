// Image pushes: outside deployment mode no image is pushed under a release
// tag (a semantic version or a release_tags glob), whichever tool pushes it.
// Each tool says where its pushed references are; the tag is read from each.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fops/base/string_view.h"
#include "rule_ids.h"
#include "tool_rules.h"

namespace fops::guard_rules {
namespace {

constexpr GuardExample kExamples[] = {
    {"docker push ghcr.io/yamonco/fractalops-runtime:latest"},
    {"buildah push ghcr.io/yamonco/fractalops-runtime:v1.2.3"},
    {"crane tag ghcr.io/yamonco/fractalops-runtime:dev-1a2b v1.2.3"},
    {"docker buildx build --push -t ghcr.io/yamonco/fractalops-portal:stable portal"},
    {"buildah push ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c", false},
    {"docker build -t fractalops-runtime:latest .", false},
    {"buildah push localhost/runtime:latest oci:/tmp/out", false},
};

constexpr GuardRule kImagePushGuardRules[] = {
    {.id = kReleaseTag,
     .reason = "release tags come from the release pipeline; the dev loop pushes dev tags only",
     .refuses = "development and staging modes: pushing an image under a release tag (v1.2.3, "
                "latest, release-*, ...) with docker/podman/buildah/skopeo/crane/oras/regctl/"
                "buildctl/kaniko",
     .why = "A release tag (a semantic version such as v1.2.3, or latest, stable, release, "
            "release-*, prod, production and the repo's release_tags) names what was promoted. "
            "A dev build pushed under one replaces a release with untested work for everyone "
            "who pulls it. A reference without a tag pushes latest.",
     .instead = "Push dev tags (dev-<commit>), as image_build does in development mode; let the "
                "release pipeline tag releases. Building locally under any tag, pushing by "
                "digest, and writing to a local destination (oci:, dir:) stay allowed.",
     .examples = kExamples},
};

constexpr ToolName kImagePushToolNames[] = {{"docker"},  {"podman"}, {"nerdctl"}, {"buildah"},
                               {"skopeo"},  {"crane"},  {"gcrane"},  {"regctl"},
                               {"oras"},    {"buildctl"}, {"kaniko"},
                               {"executor", "kaniko"}};  // kaniko's /kaniko/executor

// The tag an image reference pushes: "" for a digest-only reference or a
// destination that is not a registry (oci:, dir:, containers-storage:).
// A reference without tag or digest pushes "latest".
std::optional<std::string> PushedTag(std::string_view ref) {
  if (StartsWith(ref, "docker://")) {
    ref.remove_prefix(9);
  } else {
    size_t colon = ref.find(':');
    size_t slash = ref.find('/');
    for (std::string_view transport : {"oci:", "oci-archive:", "dir:", "docker-archive:",
                                       "docker-daemon:", "containers-storage:"}) {
      if (StartsWith(ref, transport) && (slash == std::string_view::npos || colon < slash)) {
        return std::nullopt;
      }
    }
  }
  if (ref.empty()) return std::nullopt;
  size_t at = ref.find('@');
  bool digest = at != std::string_view::npos;
  std::string_view name = digest ? ref.substr(0, at) : ref;
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return std::string(name.substr(colon + 1));
  }
  if (digest) return std::nullopt;
  return std::string("latest");
}

// The image references a command pushes, per tool. Unknown ones are left
// out: the guard judges what it can read.
std::vector<Arg> PushedRefs(std::string_view tool, const Args& args) {
  std::vector<Arg> refs;
  auto last_positional = [](const CobraLine& line, size_t from) -> std::optional<Arg> {
    if (line.positionals.size() <= from) return std::nullopt;
    return line.positionals.back();
  };
  auto flag_values = [&refs](const CobraLine& line, std::initializer_list<std::string_view> names) {
    for (const auto& [name, value] : line.flags) {
      if (Contains(names, name)) refs.push_back(value);
    }
  };
  if (tool == "docker" || tool == "podman" || tool == "nerdctl") {
    CobraLine line = ParseCobra(
        args, 1,
        {"--host", "--config", "--context", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
         "--root", "--runroot", "--storage-driver", "--storage-opt", "--url", "--connection",
         "--identity", "--cgroup-manager", "--events-backend", "--tmpdir", "--tag", "--file",
         "--build-arg", "--target", "--platform", "--output", "--cache-from", "--cache-to",
         "--builder", "--label", "--secret", "--ssh", "--progress", "--iidfile", "--metadata-file",
         "--digestfile", "--creds", "--authfile", "--cert-dir", "--format", "--sign-by",
         "--compression-format", "--retry", "--annotation", "--network", "--namespace"},
        "HcltfoF");
    std::vector<std::string> words;
    for (const Arg& p : line.positionals) words.push_back(p.text);
    auto at = [&words](size_t i) { return i < words.size() ? words[i] : std::string(); };
    bool build = at(0) == "build" || (at(0) == "buildx" && at(1) == "build") ||
                 (at(0) == "image" && at(1) == "build") || (at(0) == "builder" && at(1) == "build");
    if (at(0) == "push" || (at(0) == "image" && at(1) == "push")) {
      if (line.Has({"-a", "--all-tags"})) refs.push_back(Arg{"all-tags:latest"});
      if (auto ref = last_positional(line, at(0) == "push" ? 1 : 2)) refs.push_back(*ref);
    } else if (at(0) == "manifest" && at(1) == "push") {
      if (auto ref = last_positional(line, 2)) refs.push_back(*ref);
    } else if (at(0) == "buildx" && at(1) == "imagetools" && at(2) == "create") {
      flag_values(line, {"-t", "--tag"});
    } else if (build) {
      bool push = line.Has({"--push"});
      if (const Arg* output = line.Flag({"-o", "--output"})) {
        push |= absl::StrContains(output->text, "push=true") ||
                absl::StrContains(output->text, "type=registry");
      }
      if (push) flag_values(line, {"-t", "--tag"});
    }
    return refs;
  }
  if (tool == "buildah") {
    CobraLine line = ParseCobra(
        args, 1,
        {"--root", "--runroot", "--storage-driver", "--storage-opt", "--registries-conf",
         "--log-level", "--authfile", "--cert-dir", "--creds", "--digestfile", "--format",
         "--compression-format", "--compression-level", "--encryption-key", "--retry",
         "--retry-delay", "--sign-by", "--signature-policy", "--tag", "--file", "--iidfile"},
        "ftF");
    std::string verb = line.positionals.empty() ? "" : line.positionals[0].text;
    if (verb == "push") {
      if (auto ref = last_positional(line, 1)) refs.push_back(*ref);
    } else if (verb == "manifest" && line.positionals.size() > 1 && line.positionals[1].text == "push") {
      if (auto ref = last_positional(line, 3)) refs.push_back(*ref);
    } else if (verb == "commit" && line.positionals.size() > 2 &&
               StartsWith(line.positionals.back().text, "docker://")) {
      refs.push_back(line.positionals.back());
    }
    return refs;
  }
  if (tool == "skopeo") {
    CobraLine line = ParseCobra(
        args, 1,
        {"--authfile", "--src-authfile", "--dest-authfile", "--src-creds", "--dest-creds",
         "--src-cert-dir", "--dest-cert-dir", "--format", "--sign-by", "--additional-tag",
         "--multi-arch", "--digestfile", "--src-registry-token", "--dest-registry-token",
         "--retry-times", "--encryption-key", "--dest-compress-format", "--dest-compress-level",
         "--command-timeout", "--override-arch", "--override-os", "--override-variant",
         "--policy", "--registries.d", "--tmpdir", "--image-parallel-copies", "--retry-delay",
         "--src-daemon-host", "--dest-daemon-host", "--src-shared-blob-dir", "--dest-shared-blob-dir"},
        "f");
    if (!line.positionals.empty() && line.positionals[0].text == "copy") {
      if (line.positionals.size() >= 3) refs.push_back(line.positionals.back());
      flag_values(line, {"--additional-tag"});
    }
    return refs;
  }
  if (tool == "crane" || tool == "gcrane") {
    CobraLine line = ParseCobra(args, 1, {"--platform", "--tag", "--jobs", "--new_layer", "--base", "--append"}, "tjf");
    std::string verb = line.positionals.empty() ? "" : line.positionals[0].text;
    if ((verb == "copy" || verb == "cp") && line.positionals.size() >= 3) {
      refs.push_back(line.positionals[2]);
    } else if (verb == "push" && line.positionals.size() >= 3) {
      refs.push_back(line.positionals[2]);
    } else if (verb == "tag" && line.positionals.size() >= 3) {
      Arg tagged = line.positionals[2];
      tagged.text = absl::StrCat("tag:", tagged.text);  // a bare tag: PushedTag reads after ':'
      refs.push_back(tagged);
    }
    flag_values(line, {"-t", "--tag"});
    return refs;
  }
  if (tool == "regctl") {
    CobraLine line = ParseCobra(args, 1, {"--platform", "--host", "--logopt", "--verbosity"}, "v");
    if (line.positionals.size() >= 4 && line.positionals[0].text == "image" &&
        (line.positionals[1].text == "copy" || line.positionals[1].text == "cp")) {
      refs.push_back(line.positionals[3]);
    }
    return refs;
  }
  if (tool == "oras") {
    CobraLine line = ParseCobra(args, 1, {"--username", "--password", "--config", "--artifact-type", "--annotation", "--annotation-file", "--export-manifest"}, "upc");
    std::string verb = line.positionals.empty() ? "" : line.positionals[0].text;
    if (verb == "push" && line.positionals.size() >= 2) refs.push_back(line.positionals[1]);
    if ((verb == "copy" || verb == "cp") && line.positionals.size() >= 3) refs.push_back(line.positionals[2]);
    if (verb == "tag" && line.positionals.size() >= 3) {
      for (size_t i = 2; i < line.positionals.size(); ++i) {
        Arg tagged = line.positionals[i];
        tagged.text = absl::StrCat("tag:", tagged.text);
        refs.push_back(tagged);
      }
    }
    return refs;
  }
  if (tool == "buildctl") {
    CobraLine line = ParseCobra(args, 1, {"--output", "--frontend", "--local", "--opt", "--export-cache", "--import-cache", "--addr", "--progress", "--secret", "--ssh", "--metadata-file", "--trace"}, "o");
    for (const auto& [name, value] : line.flags) {
      if (name != "--output" && name != "-o") continue;
      bool push = absl::StrContains(value.text, "push=true") || absl::StrContains(value.text, "type=registry");
      if (!push) continue;
      // type=image,"name=a:1,b:2",push=true: names run until the next key=value.
      std::string csv = value.text;
      csv.erase(std::remove(csv.begin(), csv.end(), '"'), csv.end());
      bool in_names = false;
      for (absl::string_view field : absl::StrSplit(csv, ',')) {
        if (absl::StartsWith(field, "name=")) {
          in_names = true;
          refs.push_back(Arg{std::string(field.substr(5)), value.known});
        } else if (field.find('=') != absl::string_view::npos) {
          in_names = false;
        } else if (in_names) {
          refs.push_back(Arg{std::string(field), value.known});
        }
      }
    }
    return refs;
  }
  // kaniko: executor --destination REF ...
  CobraLine line = ParseCobra(args, 1, {"--destination", "--context", "--dockerfile", "--cache-repo", "--build-arg"}, "dcf");
  flag_values(line, {"-d", "--destination"});
  return refs;
}

std::optional<Refusal> CheckImagePush(const ToolCall& call) {
  const GuardConfig& config = call.config;
  if (config.mode == Mode::kDeployment) return std::nullopt;
  for (const Arg& ref : PushedRefs(call.tool, call.args)) {
    if (!ref.known) continue;
    std::optional<std::string> tag = PushedTag(ref.text);
    if (!tag || !config.IsReleaseTag(*tag)) continue;
    std::string shown = StartsWith(ref.text, "tag:") || StartsWith(ref.text, "all-tags:")
                            ? ""
                            : absl::StrCat(" ", Safe(ref.text));
    if (StartsWith(ref.text, "all-tags:")) {
      return Refusal{kReleaseTag, absl::StrCat(ToAbsl(call.tool), " push --all-tags, which may push "
                                                                 "release tags")};
    }
    return Refusal{kReleaseTag,
                   absl::StrCat(ToAbsl(call.tool), " pushes", shown, " under release tag ", Safe(*tag), " in ",
                                ToAbsl(ModeName(config.mode)), " mode")};
  }
  return std::nullopt;
}

}  // namespace

extern constinit const ToolRules kImagePushRules{"image push", kImagePushGuardRules, kImagePushToolNames,
                                                 &CheckImagePush};

}  // namespace fops::guard_rules
