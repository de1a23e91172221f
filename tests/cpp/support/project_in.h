// A project whose Tiltfile would be `<dir>/Tiltfile.py`, for engine tests
// that run real processes in a temp directory.
//
//   Project project = ProjectIn(temp.path(), {Web(), Smoke()});
#ifndef FOPS_TESTS_CPP_SUPPORT_PROJECT_IN_H_
#define FOPS_TESTS_CPP_SUPPORT_PROJECT_IN_H_

#include <filesystem>
#include <vector>

#include "fops/model/resource.h"

namespace fops::testing {

/// root = `dir`, tiltfile = `dir`/Tiltfile.py, the given resources.
Project ProjectIn(const std::filesystem::path& dir, std::vector<Resource> resources);

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_PROJECT_IN_H_
