#include "support/write_file.h"

#include <fstream>

#include "gtest/gtest.h"

namespace fops::testing {

void WriteTestFile(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

}  // namespace fops::testing
