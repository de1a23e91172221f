// A private directory for files that hold secrets for the length of a run
// (a registry login file made from a token): on the user's runtime file
// system ($XDG_RUNTIME_DIR, memory-backed and private), else under
// /tmp/fops-<uid>. Never inside a repository: nothing secret may land in
// `.fops/` or in a file a watcher or a commit could pick up. The path is
// stable per `key` (a repo's state directory), so a planned command can
// name a file that the run writes before it starts.
//
//   std::filesystem::path login = RegistryLoginFile(state_dir);
//   // ".../fops/3f2a9c0d1e2b4a5c/config.json"
#ifndef FOPS_BASE_RUNTIME_DIR_H_
#define FOPS_BASE_RUNTIME_DIR_H_

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"

namespace fops {

/// `<runtime>/fops/<16 hex digits of key>` (not created).
std::filesystem::path PrivateRuntimeDir(std::string_view key);

/// Where a run writes the registry logins of the repo whose state directory
/// is `state_dir` (a containers auth.json / Docker config.json).
std::filesystem::path RegistryLoginFile(const std::filesystem::path& state_dir);

/// Creates `dir` and its parents owned by this user with mode 0700;
/// kPermissionDenied when an existing one is another user's or open to others.
absl::Status MakePrivateDir(const std::filesystem::path& dir);

}  // namespace fops

#endif  // FOPS_BASE_RUNTIME_DIR_H_
