#include "support/captured_output.h"

#include <cstdlib>

namespace fops::testing {

CapturedOutput::CapturedOutput() : file_(open_memstream(&data_, &size_)) {}

CapturedOutput::~CapturedOutput() {
  std::fclose(file_);
  std::free(data_);
}

std::string CapturedOutput::text() {
  std::fflush(file_);
  return std::string(data_, size_);
}

}  // namespace fops::testing
