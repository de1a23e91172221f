#include "support/temp_dir.h"

#include <stdlib.h>

#include <cstdlib>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace fops::testing {

TempDir::TempDir(std::string_view prefix) {
  std::string pattern =
      (std::filesystem::path(::testing::TempDir()) / (std::string(prefix) + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace fops::testing
