// Writes a test file, creating its parent directories: build contexts,
// Dockerfiles and topology files in a TempDir.
//
//   TempDir dir("fops-images");
//   WriteTestFile(dir.path() / "app/Dockerfile", "FROM scratch\n");
#ifndef FOPS_TESTS_CPP_SUPPORT_WRITE_FILE_H_
#define FOPS_TESTS_CPP_SUPPORT_WRITE_FILE_H_

#include <filesystem>
#include <string_view>

namespace fops::testing {

/// Replaces `path` with `text`; fails the current test if it cannot.
void WriteTestFile(const std::filesystem::path& path, std::string_view text);

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_WRITE_FILE_H_
