// A fresh directory under the test's temp dir, removed with everything in
// it when the object goes away.
//
//   TempDir dir("fops-engine");
//   std::ofstream(dir.path() / "index.html") << "hello\n";
#ifndef FOPS_TESTS_CPP_SUPPORT_TEMP_DIR_H_
#define FOPS_TESTS_CPP_SUPPORT_TEMP_DIR_H_

#include <filesystem>
#include <string_view>

namespace fops::testing {

class TempDir {
 public:
  /// Creates `<gtest temp dir>/<prefix>-XXXXXX`; aborts the test binary if
  /// it cannot (nothing else could work).
  explicit TempDir(std::string_view prefix = "fops");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_TEMP_DIR_H_
