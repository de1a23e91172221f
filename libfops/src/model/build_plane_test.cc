#include "fops/model/build_plane.h"

#include <map>
#include <string>

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

const char* const kExample = FOPS_SOURCE_DIR
    "/examples/fractalops/ops/infra/topology/lxc-pve-lab.yaml";

std::map<std::string, std::string> EnvMap(const BuildPlane& plane) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : plane.Environment()) out[k] = v;
  return out;
}

TEST(BuildPlaneTest, LoadsTheFractalOpsLabPlane) {
  absl::StatusOr<BuildPlane> plane = BuildPlane::Load(kExample);
  ASSERT_THAT(plane, IsOk());
  EXPECT_EQ(plane->project(), "fractalops");
  EXPECT_EQ(plane->final_registry().host, "ghcr.io");
  EXPECT_EQ(plane->final_registry().namespace_path, "yamonco");
  ASSERT_NE(plane->cache_registry(), nullptr);
  EXPECT_EQ(plane->cache_registry()->host, "nexus.nexus.svc:8082");
  EXPECT_FALSE(plane->cache_registry()->tls_verify);
  ASSERT_EQ(plane->mirrors().size(), 1u);
  EXPECT_EQ(plane->mirrors()[0]->host, "nexus.nexus.svc:8083");
  EXPECT_THAT(plane->mirrors()[0]->mirrors, ElementsAre("docker.io", "ghcr.io"));
  // The lab's scopes, one per (stage, target).
  EXPECT_EQ(plane->ScopeFor("dev", "runtime")->Ref(),
            "nexus.nexus.svc:8082/fractalops/buildcache/dev/runtime");
  EXPECT_EQ(plane->ScopeFor("dev", "daytona-workspace")->Ref(),
            "nexus.nexus.svc:8082/fractalops/buildcache/dev/daytona-workspace");
  EXPECT_EQ(plane->ScopeFor("staging", "portal")->Ref(),
            "nexus.nexus.svc:8082/fractalops/buildcache/staging/portal");
  EXPECT_EQ(plane->RepositoryFor("runtime")->String(), "ghcr.io/yamonco/fractalops-runtime");
  // Remote cache off in dev, on in staging.
  EXPECT_FALSE(plane->FindStage("dev")->cache_import);
  EXPECT_FALSE(plane->FindStage("dev")->cache_export);
  EXPECT_TRUE(plane->FindStage("staging")->cache_import);
  EXPECT_EQ(plane->FindTarget("portal")->dockerfile, "portal/Dockerfile");
  EXPECT_EQ(plane->builder().kind, BuilderKind::kBuildah);
  EXPECT_EQ(plane->builder().buildah.storage_driver, "vfs");
  EXPECT_EQ(plane->registries()[0].declared_at.ToString(), std::string(kExample) + ":9:3");
}

TEST(BuildPlaneTest, EnvironmentCarriesTheContract) {
  absl::StatusOr<BuildPlane> plane = BuildPlane::Load(kExample);
  ASSERT_THAT(plane, IsOk());
  std::map<std::string, std::string> env = EnvMap(*plane);
  EXPECT_EQ(env["FOPS_PLANE_PROJECT"], "fractalops");
  EXPECT_EQ(env["FOPS_PLANE_FINAL_REGISTRY"], "ghcr.io");
  EXPECT_EQ(env["FOPS_PLANE_FINAL_PREFIX"], "ghcr.io/yamonco");
  EXPECT_EQ(env["FOPS_PLANE_MIRROR_REGISTRY"], "nexus.nexus.svc:8083");
  EXPECT_EQ(env["FOPS_PLANE_MIRROR_UPSTREAMS"], "docker.io ghcr.io");
  EXPECT_EQ(env["FOPS_PLANE_CACHE_REGISTRY"], "nexus.nexus.svc:8082");
  EXPECT_EQ(env["FOPS_PLANE_STAGES"], "dev staging");
  EXPECT_EQ(env["FOPS_PLANE_TARGETS"], "runtime portal daytona-workspace");
  EXPECT_EQ(env["FOPS_PLANE_STAGE_DEV_TAG_PREFIX"], "dev-");
  EXPECT_EQ(env["FOPS_PLANE_STAGE_DEV_TAG_TEMPLATE"], "dev-{git}-{inputs}");
  EXPECT_EQ(env["FOPS_PLANE_STAGE_DEV_CACHE_IMPORT"], "false");
  EXPECT_EQ(env["FOPS_PLANE_STAGE_STAGING_CACHE_EXPORT"], "true");
  EXPECT_EQ(env["FOPS_PLANE_TARGET_DAYTONA_WORKSPACE_IMAGE"],
            "ghcr.io/yamonco/fractalops-daytona-workspace");
  EXPECT_EQ(env["FOPS_PLANE_CACHE_SCOPE_STAGING_DAYTONA_WORKSPACE"],
            "nexus.nexus.svc:8082/fractalops/buildcache/staging/daytona-workspace");
  EXPECT_EQ(env.count("FOPS_PLANE_CACHE_SCOPE_DEV_RUNTIME"), 1u);
  // Every variable is in the documented namespace.
  for (const auto& [key, value] : env) EXPECT_EQ(key.rfind("FOPS_PLANE_", 0), 0u) << key;
}

TEST(BuildPlaneTest, RegistriesConfSendsPullsThroughTheMirror) {
  absl::StatusOr<BuildPlane> plane = BuildPlane::Load(kExample);
  ASSERT_THAT(plane, IsOk());
  const std::string conf = plane->RegistriesConf();
  EXPECT_THAT(conf, HasSubstr("[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\n\n"
                              "[[registry.mirror]]\nlocation = \"nexus.nexus.svc:8083\"\n"
                              "insecure = true\n"));
  EXPECT_THAT(conf, HasSubstr("prefix = \"ghcr.io\""));
  EXPECT_THAT(conf, ::testing::Not(HasSubstr("8082")));  // never the cache
}

constexpr char kMinimal[] = R"(version: 1
project: demo
registries:
  final:
    role: final
    host: registry.example.com
stages:
  dev:
  qa:
targets:
  app:
)";

TEST(BuildPlaneTest, DefaultsAreTheSeeds) {
  absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(kMinimal, "min.yaml");
  ASSERT_THAT(plane, IsOk());
  const Stage* dev = plane->FindStage("dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->tag_template, "dev-{inputs}");
  EXPECT_FALSE(dev->cache_import);
  // Without a cache registry no stage uses a remote cache, and there is no scope.
  EXPECT_FALSE(plane->FindStage("qa")->cache_export);
  EXPECT_THAT(plane->ScopeFor("dev", "app"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no cache registry")));
  const Target* app = plane->FindTarget("app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->context, ".");
  EXPECT_EQ(app->dockerfile, "Dockerfile");
  EXPECT_EQ(app->repository, "app");
  EXPECT_EQ(plane->RepositoryFor("app")->String(), "registry.example.com/app");
  EXPECT_EQ(plane->builder().buildah.isolation, "chroot");
  EXPECT_EQ(plane->builder().cache_mode, "max");
  EXPECT_EQ(plane->RegistriesConf(), "");  // no mirror
  EXPECT_THAT(plane->ScopeFor("prod", "app"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("stage 'prod' is not in")));
  EXPECT_THAT(plane->RepositoryFor("api"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("(targets: app)")));
}

TEST(BuildPlaneTest, NonDevStagesUseTheCacheByDefault) {
  std::string yaml = std::string(kMinimal) + R"(  web:
    context: web
)";
  yaml.replace(yaml.find("stages:"), 0, R"(  cache:
    role: cache
    host: cache.example.com:8082
)");
  absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(yaml, "p.yaml");
  ASSERT_THAT(plane, IsOk());
  EXPECT_FALSE(plane->FindStage("dev")->cache_import);
  EXPECT_TRUE(plane->FindStage("qa")->cache_import);
  EXPECT_TRUE(plane->FindStage("qa")->cache_export);
  EXPECT_EQ(plane->FindTarget("web")->dockerfile, "web/Dockerfile");
  EXPECT_EQ(plane->ScopeFor("qa", "web")->Ref(), "cache.example.com:8082/demo/buildcache/qa/web");
}

TEST(BuildPlaneTest, MissingFileIsNotFound) {
  EXPECT_THAT(BuildPlane::Load("/nonexistent/topology.yaml"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/topology.yaml: no such topology file")));
}

struct BadPlane {
  std::string name;
  std::string yaml;
  absl::StatusCode code;
  std::string where;     // file:line:column
  std::string field;     // the field named
  std::string expected;  // what was expected / the rule
};

// A valid plane with one line replaced: `from` -> `to`.
std::string Edit(std::string_view from, std::string_view to) {
  std::string yaml = R"(version: 1
project: demo
registries:
  final:
    role: final
    host: registry.example.com
    namespace: team
  mirror:
    role: mirror
    host: mirror.example.com:8083
    mirrors: [docker.io]
  cache:
    role: cache
    host: cache.example.com:8082
    tls_verify: false
stages:
  dev:
    tag: dev-{inputs}
  staging:
    tag: staging-{git}
release:
  tag_pattern: '^v[0-9]+$'
targets:
  app:
    context: app
    build_args:
      VERSION: "1"
    platform: linux/amd64
builder:
  kind: buildah
  buildah:
    storage_driver: vfs
)";
  size_t at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) yaml.replace(at, from.size(), to);
  return yaml;
}

TEST(BuildPlaneTest, RegistriesSayWhereTheirLoginComesFrom) {
  std::string yaml = Edit("    namespace: team",
                          "    namespace: team\n    ca_file: certs/ca.crt\n"
                          "    credential: {env: GHCR_TOKEN, username: yamonco-bot}");
  const std::string cache_tls = "    tls_verify: false\n";
  yaml.replace(yaml.find(cache_tls), cache_tls.size(),
               cache_tls + "    credential: {auth_file: ~/.docker/config.json}\n");
  absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(yaml, "t.yaml");
  ASSERT_THAT(plane, IsOk());
  const Registry& final = plane->final_registry();
  EXPECT_EQ(final.ca_file, "certs/ca.crt");
  EXPECT_EQ(final.credential.Encode(), "env=GHCR_TOKEN;username=yamonco-bot");
  EXPECT_EQ(plane->cache_registry()->credential.Encode(), "auth_file=~/.docker/config.json");
  absl::StatusOr<BuildPlane> none =
      BuildPlane::Parse(Edit("    namespace: team", "    namespace: team\n    credential: none"),
                        "t.yaml");
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->final_registry().credential.kind, RegistryCredentialSource::Kind::kNone);
  EXPECT_EQ(BuildPlane::Parse(Edit("", ""), "t.yaml")->final_registry().credential.kind,
            RegistryCredentialSource::Kind::kDefault);
}

TEST(BuildPlaneTest, TheEditBaseIsValid) {
  EXPECT_THAT(BuildPlane::Parse(Edit("", ""), "t.yaml"), IsOk());
}

TEST(BuildPlaneTest, EveryErrorNamesFileLineColumnFieldAndExpectation) {
  using C = absl::StatusCode;
  const C kInvalid = C::kInvalidArgument;
  const BadPlane cases[] = {
      {"yaml syntax", Edit("mirrors: [docker.io]", "mirrors: [docker.io"), kInvalid, "t.yaml:12:",
       "invalid YAML", ""},
      {"empty", "", kInvalid, "t.yaml", "the topology is empty", "expected a mapping"},
      {"not a map", "- a\n- b\n", kInvalid, "t.yaml:1:1", "topology", "expected a mapping, got a list"},
      {"unknown top key", Edit("release:", "relase:"), kInvalid, "t.yaml:21:1", "topology",
       "unknown key 'relase' (expected one of: version, project, registries"},
      {"missing project", Edit("project: demo\n", ""), kInvalid, "t.yaml:1:1", "topology",
       "missing required key 'project'"},
      {"version", Edit("version: 1", "version: 2"), kInvalid, "t.yaml:1:10", "version",
       "expected 1, got \"2\""},
      {"project uppercase", Edit("project: demo", "project: Demo"), kInvalid, "t.yaml:2:10",
       "project", "must be lowercase"},
      {"project map", Edit("project: demo", "project: {a: b}"), kInvalid, "t.yaml:2:10", "project",
       "expected a project name, got a mapping"},
      {"duplicate key", Edit("project: demo", "project: demo\nproject: other"), kInvalid,
       "t.yaml:3:1", "topology", "duplicate key 'project'"},
      {"registries list", Edit("registries:\n  final:\n    role: final\n    host: registry.example.com\n    namespace: team\n"
                                 "  mirror:\n    role: mirror\n    host: mirror.example.com:8083\n"
                                 "    mirrors: [docker.io]\n  cache:\n    role: cache\n"
                                 "    host: cache.example.com:8082\n    tls_verify: false\n",
                                 "registries: [a]\n"), kInvalid,
       "t.yaml:3:13", "registries", "expected a mapping, got a list"},
      {"registry unknown key", Edit("    namespace: team", "    namespce: team"), kInvalid,
       "t.yaml:7:5", "registries.final",
       "unknown key 'namespce' (expected one of: role, host, namespace, tls_verify, ca_file, credential, mirrors)"},
      {"registry no role", Edit("    role: final\n", ""), kInvalid, "t.yaml:4:3", "registries.final",
       "missing required key 'role' (final, mirror or cache)"},
      {"registry no host", Edit("    host: registry.example.com\n", ""), kInvalid, "t.yaml:4:3",
       "registries.final", "missing required key 'host'"},
      {"bad role", Edit("role: final", "role: push"), kInvalid, "t.yaml:5:11",
       "registries.final.role", "expected one of final, mirror, cache; got \"push\""},
      {"bad host", Edit("host: cache.example.com:8082", "host: cache.example.com:port"), kInvalid,
       "t.yaml:14:11", "registries.cache.host", "port \"port\" must be a decimal number"},
      {"namespace on cache", Edit("    tls_verify: false", "    namespace: x"), kInvalid,
       "t.yaml:15:16", "registries.cache.namespace", "only the final registry has a namespace"},
      {"bad namespace", Edit("namespace: team", "namespace: Team"), kInvalid, "t.yaml:7:16",
       "registries.final.namespace", "must be lowercase"},
      {"tls yes", Edit("tls_verify: false", "tls_verify: yes"), kInvalid, "t.yaml:15:17",
       "registries.cache.tls_verify", "expected true or false, got \"yes\""},
      {"mirrors on final", Edit("    namespace: team", "    mirrors: [docker.io]"), kInvalid,
       "t.yaml:7:14", "registries.final.mirrors", "only a mirror registry lists upstreams"},
      {"mirror without mirrors", Edit("    mirrors: [docker.io]\n", ""), kInvalid, "t.yaml:8:3",
       "registries.mirror", "missing required key 'mirrors'"},
      {"mirrors empty", Edit("mirrors: [docker.io]", "mirrors: []"), kInvalid, "t.yaml:11:14",
       "registries.mirror.mirrors", "expected a non-empty list of registry domains"},
      {"mirror bad upstream", Edit("mirrors: [docker.io]", "mirrors: [docker.io, bad_host]"),
       kInvalid, "t.yaml:11:26", "registries.mirror.mirrors[1]", "'_' is not allowed"},
      {"stages empty", Edit("stages:\n  dev:\n    tag: dev-{inputs}\n  staging:\n    tag: staging-{git}\n",
                            "stages: {}\n"),
       kInvalid, "t.yaml:16:9", "stages", "expected at least one stage"},
      {"stage name", Edit("  staging:", "  Staging:"), kInvalid, "t.yaml:19:3", "stages.Staging",
       "expected a stage name usable in an image path"},
      {"stage unknown key", Edit("    tag: dev-{inputs}", "    tags: dev-{inputs}"), kInvalid,
       "t.yaml:18:5", "stages.dev",
       "unknown key 'tags' (expected one of: tag, cache_import, cache_export)"},
      {"tag placeholder", Edit("tag: dev-{inputs}", "tag: dev-{sha}"), kInvalid, "t.yaml:18:10",
       "stages.dev.tag", "unknown placeholder {sha} (known: {git}, {inputs}, {stage}, {target})"},
      {"tag characters", Edit("tag: dev-{inputs}", "tag: dev/{inputs}"), kInvalid, "t.yaml:18:10",
       "stages.dev.tag", "'/' is not allowed in a tag"},
      {"tag braces", Edit("tag: dev-{inputs}", "tag: dev-{inputs"), kInvalid, "t.yaml:18:10",
       "stages.dev.tag", "'{' at offset 4 is not closed"},
      {"stage name too long for its default tag",
       Edit("  staging:\n    tag: staging-{git}\n", "  " + std::string(120, 's') + ":\n"),
       kInvalid, "t.yaml:19:3", "stages." + std::string(120, 's'),
       "renders an invalid tag: tag \"" + std::string(120, 's') +
           "-fedcba987654\": is 133 characters; at most 128 (the default tag template "
           "NAME-{inputs}; set tag: to choose one)"},
      {"tag is release", Edit("tag: dev-{inputs}", "tag: v1"), C::kFailedPrecondition,
       "t.yaml:18:10", "stages.dev.tag",
       "refused by rule release-tags-immutable: tag template \"v1\" of stage 'dev' renders \"v1\""},
      {"cache without registry",
       "version: 1\nproject: demo\nregistries:\n  f:\n    role: final\n    host: f.example.com\n"
       "stages:\n  staging:\n    cache_export: true\ntargets:\n  app:\n",
       kInvalid, "t.yaml:9:19", "stages.staging.cache_export",
       "is true, but no registry has role cache"},
      {"cache flag", Edit("    tag: dev-{inputs}", "    cache_import: sometimes"), kInvalid,
       "t.yaml:18:19", "stages.dev.cache_import", "expected true or false"},
      {"release regex", Edit("tag_pattern: '^v[0-9]+$'", "tag_pattern: '^v[0-9+$'"), kInvalid,
       "t.yaml:22:16", "release.tag_pattern", "not a valid regular expression"},
      {"release key", Edit("  tag_pattern:", "  pattern:"), kInvalid, "t.yaml:22:3", "release",
       "unknown key 'pattern' (expected one of: tag_pattern)"},
      {"targets empty", Edit("targets:\n  app:\n    context: app\n    build_args:\n      VERSION: \"1\"\n"
                             "    platform: linux/amd64\n",
                             "targets: {}\n"),
       kInvalid, "t.yaml:23:10", "targets", "expected at least one target"},
      {"target name", Edit("  app:", "  my app:"), kInvalid, "t.yaml:24:3", "targets.my app",
       "expected a target name usable in an image path"},
      {"target key", Edit("    context: app", "    contxt: app"), kInvalid, "t.yaml:25:5",
       "targets.app", "unknown key 'contxt' (expected one of: repository, context, dockerfile"},
      {"target context empty", Edit("context: app", "context: ''"), kInvalid, "t.yaml:25:14",
       "targets.app.context", "expected a non-empty string"},
      {"target repository", Edit("    context: app", "    repository: a//b"), kInvalid,
       "t.yaml:25:17", "targets.app.repository", "path component is empty"},
      {"build args list", Edit("      VERSION: \"1\"", "      VERSION: [1]"), kInvalid,
       "t.yaml:27:16", "targets.app.build_args.VERSION", "expected a string, got a list"},
      {"build args not map", Edit("    build_args:\n      VERSION: \"1\"", "    build_args: x"),
       kInvalid, "t.yaml:26:17", "targets.app.build_args", "expected a mapping, got \"x\""},
      {"platform", Edit("platform: linux/amd64", "platform: amd64"), kInvalid, "t.yaml:28:15",
       "targets.app.platform", "expected os/arch[/variant] (e.g. linux/amd64), got \"amd64\""},
      {"builder key", Edit("  kind: buildah", "  knd: buildah"), kInvalid, "t.yaml:30:3", "builder",
       "unknown key 'knd'"},
      {"builder kind", Edit("kind: buildah", "kind: kaniko"), kInvalid, "t.yaml:30:9",
       "builder.kind", "expected one of buildah, buildx, buildctl; got \"kaniko\""},
      {"storage driver", Edit("storage_driver: vfs", "storage_driver: btrfs"), kInvalid,
       "t.yaml:32:21", "builder.buildah.storage_driver", "expected one of vfs, overlay"},
      {"buildah key", Edit("    storage_driver: vfs", "    driver: vfs"), kInvalid, "t.yaml:32:5",
       "builder.buildah", "unknown key 'driver' (expected one of: storage_driver, isolation"},
      {"isolation", Edit("    storage_driver: vfs", "    isolation: docker"), kInvalid,
       "t.yaml:32:16", "builder.buildah.isolation", "expected one of chroot, oci, rootless"},
      {"cache mode", Edit("  kind: buildah", "  cache_mode: all"), kInvalid, "t.yaml:30:15",
       "builder.cache_mode", "expected one of max, min"},
      // Registry logins and CAs.
      {"credential word", Edit("    namespace: team", "    namespace: team\n    credential: env"),
       kInvalid, "t.yaml:8:17", "registries.final.credential", "expected one of default, none"},
      {"credential both", Edit("    namespace: team",
                               "    namespace: team\n    credential: {env: T, auth_file: f}"),
       kInvalid, "t.yaml:8:17", "registries.final.credential", "expected exactly one of auth_file"},
      {"credential token inline", Edit("    namespace: team",
                                       "    namespace: team\n    credential: {env: 'ghp_x y'}"),
       kInvalid, "t.yaml:8:23", "registries.final.credential.env",
       "expected the name of an environment variable (never the token itself)"},
      {"credential key", Edit("    namespace: team",
                              "    namespace: team\n    credential: {env: T, user: u}"),
       kInvalid, "t.yaml:8:26", "registries.final.credential", "unknown key 'user'"},
      {"ca not crt", Edit("    namespace: team", "    namespace: team\n    ca_file: ca.pem"),
       kInvalid, "t.yaml:8:14", "registries.final.ca_file", "expected a PEM file named *.crt"},
      // Cross-field invariants.
      {"no final",
       "version: 1\nproject: demo\nregistries:\n  m:\n    role: mirror\n    host: m.example.com\n"
       "    mirrors: [docker.io]\nstages:\n  dev:\ntargets:\n  app:\n",
       kInvalid, "t.yaml", "registries", "no registry has role final; exactly one is needed"},
      {"two finals", Edit("    role: mirror\n    host: mirror.example.com:8083\n    mirrors: [docker.io]",
                          "    role: final\n    host: other.example.com"),
       kInvalid, "t.yaml:8:3", "registries.mirror", "a second final registry (the first is 'final' at t.yaml:4:3)"},
      {"two caches", Edit("    role: mirror\n    host: mirror.example.com:8083\n    mirrors: [docker.io]",
                          "    role: cache\n    host: other.example.com"),
       kInvalid, "t.yaml:11:3", "registries.cache",
       "a second cache registry (the first is 'mirror' at t.yaml:8:3)"},
      {"final is cache", Edit("host: cache.example.com:8082", "host: registry.example.com"),
       C::kFailedPrecondition, "t.yaml:12:3", "registries.cache",
       "refused by rule final-images-only: host registry.example.com is both registry 'final' "
       "(role final) and registry 'cache' (role cache); the final registry holds final images "
       "only; it is never a build cache"},
      {"mirror is cache", Edit("host: cache.example.com:8082", "host: mirror.example.com:8083"),
       C::kFailedPrecondition, "t.yaml:12:3", "registries.cache",
       "refused by rule mirror-pull-only"},
      {"mirror is final", Edit("host: mirror.example.com:8083", "host: registry.example.com"),
       C::kFailedPrecondition, "t.yaml:8:3", "registries.mirror", "refused by rule mirror-pull-only"},
      {"mirror of itself", Edit("mirrors: [docker.io]", "mirrors: [mirror.example.com:8083]"),
       kInvalid, "t.yaml:8:3", "registries.mirror.mirrors", "is the mirror itself"},
      {"mirror of cache", Edit("mirrors: [docker.io]", "mirrors: [cache.example.com:8082]"),
       C::kFailedPrecondition, "t.yaml:8:3", "registries.mirror.mirrors",
       "refused by rule cache-only"},
      {"env collision", Edit("  app:\n", "  a-b:\n  a.b:\n"), kInvalid, "t.yaml", "",
       "both give the environment variable FOPS_PLANE_TARGET_A_B_IMAGE"},
      {"name too long", Edit("    context: app", "    repository: " + std::string(240, 'a')),
       kInvalid, "t.yaml:24:3", "targets.app.repository", "at most 255"},
      {"complex key", Edit("project: demo", "project: demo\n? [a, b]\n: c"), kInvalid, "t.yaml:3:",
       "topology", "keys must be plain strings"},
      {"registries empty",
       Edit("registries:\n  final:\n    role: final\n    host: registry.example.com\n    namespace: team\n"
            "  mirror:\n    role: mirror\n    host: mirror.example.com:8083\n"
            "    mirrors: [docker.io]\n  cache:\n    role: cache\n"
            "    host: cache.example.com:8082\n    tls_verify: false\n",
            "registries: {}\n"),
       kInvalid, "t.yaml:3:13", "registries", "expected at least one registry"},
      {"mirror item map", Edit("mirrors: [docker.io]", "mirrors: [{a: b}]"), kInvalid, "t.yaml:11:15",
       "registries.mirror.mirrors[0]", "expected a registry domain, got a mapping"},
      {"two mirrors one host",
       Edit("  cache:\n", "  mirror2:\n    role: mirror\n    host: mirror.example.com:8083\n"
                          "    mirrors: [ghcr.io]\n  cache:\n"),
       kInvalid, "t.yaml:12:3", "registries.mirror2.host",
       "mirror.example.com:8083 is already the host of registry 'mirror' (t.yaml:8:3)"},
      {"stage scalar", Edit("  staging:\n    tag: staging-{git}", "  staging: 3"), kInvalid,
       "t.yaml:19:12", "stages.staging", "expected a mapping, got \"3\""},
      {"build arg name", Edit("      VERSION: \"1\"", "      \"A=B\": \"1\""), kInvalid,
       "t.yaml:27:7", "targets.app.build_args", "build arg name \"A=B\" must be non-empty and have no '='"},
      {"builder platform", Edit("  kind: buildah", "  platform: linux"), kInvalid, "t.yaml:30:13",
       "builder.platform", "expected os/arch[/variant]"},
      {"buildx key", Edit("  kind: buildah", "  buildx:\n    name: b"), kInvalid, "t.yaml:31:5",
       "builder.buildx", "unknown key 'name' (expected one of: builder)"},
      {"buildctl addr", Edit("  kind: buildah", "  buildctl:\n    addr: [a]"), kInvalid,
       "t.yaml:31:11", "builder.buildctl.addr",
       "expected a buildkitd address (unix://, tcp://), got a list"},
      {"buildah root", Edit("    storage_driver: vfs", "    root: [x]"), kInvalid, "t.yaml:32:11",
       "builder.buildah.root", "expected a directory, got a list"},
  };
  for (const BadPlane& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(BuildPlane::Parse(c.yaml, "t.yaml"),
                StatusIs(c.code, AllOf(StartsWith(c.where), HasSubstr(c.field),
                                       HasSubstr(c.expected))));
  }
}

}  // namespace
}  // namespace fops
