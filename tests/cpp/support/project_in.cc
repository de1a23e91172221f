#include "support/project_in.h"

namespace fops::testing {

Project ProjectIn(const std::filesystem::path& dir, std::vector<Resource> resources) {
  Project project;
  project.root = dir.string();
  project.tiltfile = (dir / "Tiltfile.py").string();
  project.resources = std::move(resources);
  return project;
}

}  // namespace fops::testing
