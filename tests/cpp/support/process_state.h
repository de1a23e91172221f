// What /proc says about a process, for tests that promise "nothing left
// running": a pid counts as running unless it is gone or a zombie (dead,
// waiting only for its parent to collect it).
//
//   EXPECT_FALSE(ProcessRunning(grandchild)) << "survived the timeout";
//   EXPECT_EQ(ProcessParent(daemon), getpid());   // adopted by the subreaper
#ifndef FOPS_TESTS_CPP_SUPPORT_PROCESS_STATE_H_
#define FOPS_TESTS_CPP_SUPPORT_PROCESS_STATE_H_

#include <sys/types.h>

#include <vector>

namespace fops::testing {

/// The state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...); 0 when there
/// is no such process (gone and reaped).
char ProcessStateLetter(pid_t pid);

/// True while `pid` is alive (exists and is not a zombie).
bool ProcessRunning(pid_t pid);

/// Its parent's pid; 0 when there is no such process.
pid_t ProcessParent(pid_t pid);

/// SIGKILLs the listed pids that still run when it goes away, so a failed
/// test stays one failure and leaves nothing behind.
struct KillOnExit {
  std::vector<pid_t> pids;
  ~KillOnExit();
};

}  // namespace fops::testing

#endif  // FOPS_TESTS_CPP_SUPPORT_PROCESS_STATE_H_
