#include "fops/plan/image_build.h"

#include <filesystem>
#include <string>

#include "fops/base/shell_quote.h"
#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "support/write_file.h"

namespace fops {
namespace {

namespace fs = std::filesystem;
using ::fops::testing::IsOk;
using ::fops::testing::TempDir;
using ::fops::testing::WriteTestFile;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const char* const kExample = FOPS_SOURCE_DIR
    "/examples/fractalops/ops/infra/topology/lxc-pve-lab.yaml";
constexpr char kRevision[] = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d";

class ImageBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteTestFile(dir_ / "docker/runtime.Dockerfile",
          "ARG PY=3.11\nFROM --platform=$BUILDPLATFORM python:${PY}-slim AS base\n"
          "FROM base AS app\nCOPY . /app\n");
    WriteTestFile(dir_ / "portal/Dockerfile", "FROM node:20\n");
    WriteTestFile(dir_ / "portal/.dockerignore", "# deps\nnode_modules\n/dist\n!dist/keep.txt\n");
    WriteTestFile(dir_ / "docker/daytona-workspace/Dockerfile", "FROM scratch\n");
    absl::StatusOr<BuildPlane> plane = BuildPlane::Load(kExample);
    ASSERT_THAT(plane, IsOk());
    plane_ = *std::move(plane);
  }

  absl::StatusOr<Resource> Compile(const ImageBuild& build) {
    ImageBuildContext ctx{.dir = dir_.string(), .revision = kRevision};
    ctx.inputs_digest = [](const std::string&, const UpdateInputs&) -> absl::StatusOr<std::string> {
      return std::string("00112233445566778899aabbccddeeff");
    };
    return CompileImageBuild(plane_, build, ctx);
  }

  TempDir tmp_{"fops-image-build"};
  const fs::path dir_ = tmp_.path();
  BuildPlane plane_;
};

TEST_F(ImageBuildTest, BuildahDevBuildPushesTheDevTagWithoutRemoteCache) {
  absl::StatusOr<Resource> r = Compile({.target = "runtime", .stage = "dev"});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->name, "runtime-image");
  EXPECT_EQ(r->kind, "image");
  EXPECT_EQ(r->dir, dir_.string());
  EXPECT_EQ(r->cmd.ToString(),
            "buildah --storage-driver vfs build --isolation chroot --layers "
            "-f docker/runtime.Dockerfile "
            "-t ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c4d5e6f-001122334455 "
            "--platform linux/amd64 .");
  ASSERT_EQ(r->then_cmds.size(), 1u);
  EXPECT_EQ(r->then_cmds[0].ToString(),
            "buildah --storage-driver vfs push --tls-verify=true "
            "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c4d5e6f-001122334455");
  EXPECT_EQ(r->inputs.produces, "ghcr.io/yamonco/fractalops-runtime:dev-1a2b3c4d5e6f-001122334455");
}

TEST_F(ImageBuildTest, BuildahStagingBuildUsesTheStagingScope) {
  absl::StatusOr<Resource> r =
      Compile({.target = "runtime", .stage = "staging", .build_args = {{"PY", "3.12"}}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->cmd.ToString(),
            "buildah --storage-driver vfs build --isolation chroot --layers "
            "-f docker/runtime.Dockerfile -t ghcr.io/yamonco/fractalops-runtime:staging-1a2b3c4d5e6f "
            "--platform linux/amd64 --build-arg PY=3.12 "
            "--cache-from nexus.nexus.svc:8082/fractalops/buildcache/staging/runtime "
            "--cache-to nexus.nexus.svc:8082/fractalops/buildcache/staging/runtime "
            "--tls-verify=false .");
}

TEST_F(ImageBuildTest, DevCacheIsOffUnlessTurnedOn) {
  absl::StatusOr<Resource> r =
      Compile({.target = "portal", .stage = "dev", .cache_import = true});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->cmd.ToString(),
              HasSubstr("--cache-from nexus.nexus.svc:8082/fractalops/buildcache/dev/portal "
                        "--tls-verify=false portal"));
  EXPECT_THAT(r->cmd.ToString(), ::testing::Not(HasSubstr("--cache-to")));
}

// Golden: the exact docker buildx argv.
TEST_F(ImageBuildTest, BuildxArgvIsPinned) {
  absl::StatusOr<Resource> r = Compile({.target = "runtime",
                                        .stage = "staging",
                                        .target_stage = "app",
                                        .build_args = {{"A", "1"}, {"B", "two words"}},
                                        .builder = BuilderKind::kBuildx});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->cmd.argv(),
              ElementsAre("docker", "buildx", "build", "-f", "docker/runtime.Dockerfile", "-t",
                          "ghcr.io/yamonco/fractalops-runtime:staging-1a2b3c4d5e6f", "--target",
                          "app", "--platform", "linux/amd64", "--build-arg", "A=1", "--build-arg",
                          "B=two words", "--cache-from",
                          "type=registry,ref=nexus.nexus.svc:8082/fractalops/buildcache/staging/runtime",
                          "--cache-to",
                          "type=registry,ref=nexus.nexus.svc:8082/fractalops/buildcache/staging/"
                          "runtime,mode=max,registry.insecure=true",
                          "--push", "."));
  EXPECT_TRUE(r->then_cmds.empty());  // --push pushes
}

// Golden: the exact buildctl argv.
TEST_F(ImageBuildTest, BuildctlArgvIsPinned) {
  absl::StatusOr<Resource> r = Compile({.target = "portal",
                                        .stage = "staging",
                                        .build_args = {{"NODE_ENV", "production"}},
                                        .builder = BuilderKind::kBuildctl});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->cmd.argv(),
              ElementsAre("buildctl", "build", "--frontend", "dockerfile.v0", "--local",
                          "context=portal", "--local", "dockerfile=portal", "--opt",
                          "filename=Dockerfile", "--opt", "platform=linux/amd64", "--opt",
                          "build-arg:NODE_ENV=production", "--output",
                          "type=image,name=ghcr.io/yamonco/fractalops-portal:staging-1a2b3c4d5e6f,"
                          "push=true",
                          "--export-cache",
                          "type=registry,ref=nexus.nexus.svc:8082/fractalops/buildcache/staging/"
                          "portal,mode=max,registry.insecure=true",
                          "--import-cache",
                          "type=registry,ref=nexus.nexus.svc:8082/fractalops/buildcache/staging/"
                          "portal"));
  EXPECT_TRUE(r->then_cmds.empty());
}

TEST_F(ImageBuildTest, InputsDescribeWhatTheImageDependsOn) {
  absl::StatusOr<Resource> r = Compile({.target = "portal", .stage = "dev",
                                        .build_args = {{"TOKEN", "x"}}});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->inputs.paths, ElementsAre("portal", "portal/Dockerfile"));
  // `fops up` watches the same files, with the same exclusions.
  EXPECT_THAT(r->deps, ElementsAre((dir_ / "portal").string(), (dir_ / "portal/Dockerfile").string()));
  EXPECT_EQ(r->ignore, r->inputs.ignore);
  EXPECT_THAT(r->inputs.ignore,
              ElementsAre("portal/node_modules", "portal/dist", "!portal/dist/keep.txt"));
  EXPECT_THAT(r->inputs.values,
              UnorderedElementsAre(Pair("builder", "buildah"), Pair("platform", "linux/amd64"),
                                   Pair("build_arg.TOKEN", "x"),
                                   Pair("base.1", "docker.io/library/node:20"),
                                   Pair("target", "portal"), Pair("stage", "dev"),
                                   Pair("cache_scope",
                                        "nexus.nexus.svc:8082/fractalops/buildcache/dev/portal"),
                                   Pair("cache_import", "false"), Pair("cache_export", "false"),
                                   // how the cache registry is reached (no TLS check there)
                                   Pair("cache_tls_verify", "false")));
  absl::StatusOr<Resource> runtime = Compile({.target = "runtime", .stage = "dev"});
  ASSERT_THAT(runtime, IsOk());
  // ARG defaults are substituted; `FROM base` is a stage, not an image.
  EXPECT_EQ(runtime->inputs.values.at("base.1"), "docker.io/library/python:3.11-slim");
  EXPECT_EQ(runtime->inputs.values.count("base.2"), 0u);
  EXPECT_THAT(runtime->inputs.paths, ElementsAre(".", "docker/runtime.Dockerfile"));
}

TEST_F(ImageBuildTest, OverridesStayInsideThePlane) {
  absl::StatusOr<Resource> r = Compile({.name = "ws", .target = "daytona-workspace",
                                        .stage = "dev", .context = "docker/daytona-workspace",
                                        .tag = "manual-1"});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->name, "ws");
  EXPECT_EQ(r->inputs.produces, "ghcr.io/yamonco/fractalops-daytona-workspace:manual-1");
  EXPECT_THAT(r->inputs.paths,
              ElementsAre("docker/daytona-workspace", "docker/daytona-workspace/Dockerfile"));
  EXPECT_TRUE(r->inputs.values.count("base.1") == 0);  // FROM scratch
}

TEST_F(ImageBuildTest, RoleRulesRefuseBeforeAnythingRuns) {
  using C = absl::StatusCode;
  struct Bad {
    ImageBuild build;
    C code;
    std::string message;
  };
  const Bad cases[] = {
      {{.target = "runtime", .repository = "nexus.nexus.svc:8082/fractalops/runtime"},
       C::kFailedPrecondition,
       "image_build 'runtime-image': refused by rule cache-only: pushing image "
       "nexus.nexus.svc:8082/fractalops/runtime would use registry 'nexus-buildcache'"},
      {{.target = "runtime", .repository = "nexus.nexus.svc:8083/fractalops/runtime"},
       C::kFailedPrecondition, "refused by rule mirror-pull-only"},
      {{.target = "runtime", .repository = "docker.io/yamonco/runtime"}, C::kFailedPrecondition,
       "docker.io, which is not a registry of the build plane"},
      {{.target = "runtime", .cache_ref = "ghcr.io/yamonco/cache"}, C::kFailedPrecondition,
       "refused by rule final-images-only: build cache ghcr.io/yamonco/cache"},
      {{.target = "runtime", .cache_ref = "nexus.nexus.svc:8083/cache"}, C::kFailedPrecondition,
       "refused by rule mirror-pull-only"},
      {{.target = "runtime", .cache_ref = "nexus.nexus.svc:8082/fractalops/buildcache/dev/portal"},
       C::kFailedPrecondition,
       "refused by rule cache-scope-per-stage-and-target: cache "
       "nexus.nexus.svc:8082/fractalops/buildcache/dev/portal is the scope of dev/portal"},
      {{.target = "runtime", .cache_ref = "quay.io/x"}, C::kFailedPrecondition,
       "build cache lives only in the cache registry 'nexus-buildcache'"},
      {{.target = "runtime", .tag = "v1.2.3"}, C::kFailedPrecondition,
       "refused by rule release-tags-immutable"},
      {{.target = "runtime", .tag = "bad tag"}, C::kInvalidArgument, "' ' is not allowed"},
      {{.target = "runtime", .repository = "ghcr.io/yamonco/x:tag"}, C::kInvalidArgument,
       "must be a repository without tag or digest"},
      {{.target = "api"}, C::kNotFound,
       "target 'api' is not in the build plane " + std::string(kExample) +
           " (targets: runtime, portal, daytona-workspace)"},
      {{.target = "runtime", .stage = "prod"}, C::kNotFound,
       "stage 'prod' is not in the build plane"},
      {{.target = ""}, C::kInvalidArgument, "target is empty"},
      {{.target = "runtime", .build_args = {{"A=B", "c"}}}, C::kInvalidArgument,
       "build arg name \"A=B\""},
      {{.target = "runtime", .dockerfile = "missing.Dockerfile"}, C::kNotFound,
       "dockerfile 'missing.Dockerfile' cannot be read"},
      {{.target = "runtime", .context = "nowhere"}, C::kNotFound,
       "context 'nowhere' is not a directory"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.message);
    EXPECT_THAT(Compile(c.build), StatusIs(c.code, HasSubstr(c.message)));
  }
}

TEST_F(ImageBuildTest, CacheNeedsACacheRegistry) {
  absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(
      "version: 1\nproject: p\nregistries:\n  f:\n    role: final\n    host: f.example.com\n"
      "stages:\n  dev:\n    tag: dev-{git}\ntargets:\n  app:\n",
      "p.yaml");
  ASSERT_THAT(plane, IsOk());
  WriteTestFile(dir_ / "Dockerfile", "FROM scratch\n");
  ImageBuildContext ctx{.dir = dir_.string()};
  EXPECT_THAT(CompileImageBuild(*plane, {.target = "app", .cache_export = true}, ctx),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("remote cache export is on, but the build plane p.yaml has no "
                                 "cache registry")));
  EXPECT_THAT(CompileImageBuild(*plane, {.target = "app"}, ctx),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("{git} needs the git revision")));
  ctx.revision = kRevision;
  absl::StatusOr<Resource> r = CompileImageBuild(*plane, {.target = "app"}, ctx);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->inputs.produces, "f.example.com/app:dev-1a2b3c4d5e6f");
}

TEST_F(ImageBuildTest, ALoginTheBuildersCannotFindAloneGoesThroughTheRunsLoginFile) {
  absl::StatusOr<BuildPlane> plane = BuildPlane::Parse(R"(version: 1
project: demo
registries:
  final:
    role: final
    host: registry.example.com:5443
    namespace: team
    ca_file: certs/registry-ca.crt
    credential: {env: REGISTRY_TOKEN, username: dev}
stages:
  dev:
    tag: dev-1
targets:
  app:
    context: portal
)", "plane.yaml");
  ASSERT_THAT(plane, IsOk());
  plane_ = *std::move(plane);
  EXPECT_THAT(Compile({.target = "app"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no state directory to prepare the run's logins for")));
  ImageBuildContext ctx{.dir = dir_.string(), .login_file = "/run/user/7/fops/ab/config.json"};
  absl::StatusOr<Resource> r = CompileImageBuild(plane_, {.target = "app"}, ctx);
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->cmd.ToString(), HasSubstr(" --authfile /run/user/7/fops/ab/config.json "));
  EXPECT_EQ(r->then_cmds[0].ToString(),
            "buildah --storage-driver vfs push --tls-verify=true --authfile "
            "/run/user/7/fops/ab/config.json --cert-dir " + (dir_ / "certs").string() +
            " registry.example.com:5443/team/app:dev-1");
  // The reference travels with the resource; the token never does.
  EXPECT_EQ(r->inputs.values.at("registry_credential"), "env=REGISTRY_TOKEN;username=dev");
  EXPECT_EQ(r->inputs.values.at("registry_ca_file"), (dir_ / "certs/registry-ca.crt").string());
  absl::StatusOr<Resource> buildx =
      CompileImageBuild(plane_, {.target = "app", .builder = BuilderKind::kBuildx}, ctx);
  ASSERT_THAT(buildx, IsOk());
  EXPECT_EQ(buildx->env.at("DOCKER_CONFIG"), "/run/user/7/fops/ab");
}

TEST(DockerfileBaseRefsTest, FollowsFromLinesStagesAndArgs) {
  EXPECT_THAT(DockerfileBaseRefs("# syntax=docker/dockerfile:1\n"
                                 "ARG BASE=debian\nARG TAG\n"
                                 "FROM ${BASE}:${TAG} AS build\n"
                                 "RUN make \\\n  all\n"
                                 "from build as test\n"
                                 "FROM ghcr.io/yamonco/tools:1 \\\n  AS tools\n"
                                 "FROM scratch\n"
                                 "COPY --from=build /out /\n",
                                 {{"TAG", "bookworm"}}),
              ElementsAre("docker.io/library/debian:bookworm", "ghcr.io/yamonco/tools:1"));
  EXPECT_THAT(DockerfileBaseRefs("FROM $UNSET\n", {}), ElementsAre("$UNSET"));
}

}  // namespace
}  // namespace fops
