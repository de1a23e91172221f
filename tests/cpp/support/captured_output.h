// What a FILE*-writing component (a TerminalReporter) printed, through an
// in-memory stream.
//
//   CapturedOutput out;
//   TerminalReporter reporter(out.file());
//   EXPECT_THAT(out.text(), HasSubstr("✔ ready"));
#ifndef FOPS_TESTS_CPP_SUPPORT_CAPTURED_OUTPUT_H_
#define FOPS_TESTS_CPP_SUPPORT_CAPTURED_OUTPUT_H_

#include <cstddef>
#include <cstdio>
#include <string>

namespace fops::testing {

class CapturedOutput {
 public:
  CapturedOutput();
  ~CapturedOutput();
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;

  /// The stream to write to; valid while this object lives.
  std::FILE* file() { return file_; }
  /// Everything written so far.
  std::string text();

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_CAPTURED_OUTPUT_H_
