// Where fops keeps a repo's state: mode, session lock, input digests,
// the process record, telemetry JSON lines. `.fops/` at the top of the git work tree holding
// the Tiltfile (or beside the Tiltfile outside git); FOPS_STATE_DIR
// overrides it. Watchers ignore it, so state never triggers a rebuild.
#ifndef FOPS_BASE_STATE_DIR_H_
#define FOPS_BASE_STATE_DIR_H_

#include <filesystem>

namespace fops {

/// The state directory for a project whose Tiltfile is in `tiltfile_dir`.
/// Does not create it.
std::filesystem::path StateDirFor(const std::filesystem::path& tiltfile_dir);

}  // namespace fops

#endif  // FOPS_BASE_STATE_DIR_H_
