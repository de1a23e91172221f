#include "fops/model/helm_release.h"

#include "fops/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fops {
namespace {

using ::fops::testing::IsOk;
using ::fops::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

HelmRelease Api() {
  return HelmRelease{.name = "api",
                     .release = "fractalops-api-dev",
                     .chart = "charts/fractalops-api",
                     .namespace_name = "fractalops-dev",
                     .image = "ghcr.io/yamonco/fractalops-runtime:dev-1a2b",
                     .autoscaling = HelmAutoscaling{.min_replicas = 2, .max_replicas = 6},
                     .declared_at = {.file = "Tiltfile.py", .line = 12}};
}

TEST(HelmReleaseTest, ValidReleaseComputesImageAndAutoscalingValues) {
  HelmRelease api = Api();
  EXPECT_THAT(api.Validate(), IsOk());
  EXPECT_THAT(api.ImageValues(),
              ElementsAre(Pair("image.repository", "ghcr.io/yamonco/fractalops-runtime"),
                          Pair("image.tag", "dev-1a2b")));
  EXPECT_THAT(api.AutoscalingValues(),
              ElementsAre(Pair("autoscaling.enabled", "true"), Pair("autoscaling.minReplicas", "2"),
                          Pair("autoscaling.maxReplicas", "6")));
}

TEST(HelmReleaseTest, ImageKeysTakeAPairOrOneReference) {
  HelmRelease api = Api();
  api.image = "ghcr.io/yamonco/x:dev-1@sha256:" + std::string(64, 'a');
  EXPECT_THAT(api.ImageValues(), ElementsAre(Pair("image.repository", "ghcr.io/yamonco/x"),
                                             Pair("image.tag", "dev-1@sha256:" + std::string(64, 'a'))));
  api.image_keys = HelmImageKeys{.reference = "image.ref"};
  api.image = "localhost:5000/portal:dev-2";
  EXPECT_THAT(api.ImageValues(), ElementsAre(Pair("image.ref", "localhost:5000/portal:dev-2")));
  api.image = "ghcr.io/yamonco/x@sha256:" + std::string(64, 'b');
  EXPECT_THAT(api.Validate(), IsOk());  // a digest alone needs the one-key form
  api.image_keys = HelmImageKeys{};
  EXPECT_THAT(api.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("image: 'ghcr.io/yamonco/x@sha256:bbbb")));
}

TEST(HelmReleaseTest, AutoscalingBoundsNameTheField) {
  HelmRelease api = Api();
  api.autoscaling->min_replicas = 7;
  EXPECT_THAT(api.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Tiltfile.py:12: helm_release('api'): autoscaling: min_replicas 7 is "
                                 "greater than max_replicas 6 (expected 1 <= min <= max)")));
  api.autoscaling->min_replicas = 0;
  EXPECT_THAT(api.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("autoscaling: min_replicas must be at least 1, got 0")));
  api.autoscaling = HelmAutoscaling{.min_replicas = 3, .max_replicas = 3};
  EXPECT_THAT(api.Validate(), IsOk());
}

TEST(HelmReleaseTest, EveryBadFieldIsNamed) {
  struct Case {
    void (*mutate)(HelmRelease&);
    const char* message;
  };
  const Case cases[] = {
      {[](HelmRelease& r) { r.release = ""; }, "release: required"},
      {[](HelmRelease& r) { r.release = "Fractalops"; }, "release: 'Fractalops' is not a Helm release name"},
      {[](HelmRelease& r) { r.release = std::string(54, 'a'); }, "at most 53 characters"},
      {[](HelmRelease& r) { r.namespace_name = ""; }, "namespace: required"},
      {[](HelmRelease& r) { r.namespace_name = "fractalops.dev"; }, "namespace: 'fractalops.dev' is not a namespace"},
      {[](HelmRelease& r) { r.chart = ""; }, "chart: required"},
      {[](HelmRelease& r) { r.image = "GHCR.io/Bad Ref"; }, "image: "},
      {[](HelmRelease& r) { r.image = "ghcr.io/yamonco/x"; }, "image: 'ghcr.io/yamonco/x' has neither tag nor digest"},
      {[](HelmRelease& r) { r.set_values = {{"image.tag", "x"}}; }, "set: 'image.tag' is set by fops from image="},
      {[](HelmRelease& r) { r.set_values = {{"autoscaling.maxReplicas", "9"}}; },
       "set: 'autoscaling.maxReplicas' is set by fops from autoscaling="},
      {[](HelmRelease& r) { r.set_values = {{"", "x"}}; }, "set: bad key ''"},
      {[](HelmRelease& r) { r.values_files = {""}; }, "values: empty file name"},
      {[](HelmRelease& r) { r.timeout = absl::Seconds(-1); }, "timeout: must not be negative"},
  };
  for (const Case& c : cases) {
    HelmRelease api = Api();
    c.mutate(api);
    EXPECT_THAT(api.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.message;
  }
}

}  // namespace
}  // namespace fops
