// Python bindings of the watch layer: the FileWatcher, for what watches
// files outside the engine (`fops up` reloading its Tiltfile).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "fops/watch/file_watcher.h"

namespace fops::python {
namespace py = pybind11;

void BindWatch(py::module_& m) {
  py::class_<FileWatcher>(m, "FileWatcher", R"doc(
Watches files and directory trees with inotify (relative paths against
`root`; missing ones are picked up when created; .git/ and .fops/ never
count) and hands out changes in debounced batches. `fd` is readable while a
batch is ready (for select/poll); read_changes() takes it (absolute paths,
sorted) without blocking; wait(timeout) blocks with the GIL released.)doc")
      .def(py::init([](const std::vector<std::string>& paths, const std::string& root,
                       const std::vector<std::string>& ignore, absl::Duration debounce) {
             FileWatcherOptions options;
             options.root = root;
             options.ignore = ignore;
             options.debounce = debounce;
             std::vector<std::filesystem::path> watched(paths.begin(), paths.end());
             return ValueOrRaise(FileWatcher::Create(watched, std::move(options)));
           }),
           py::arg("paths"), py::arg("root") = "", py::arg("ignore") = std::vector<std::string>{},
           py::arg("debounce") = FileWatcherOptions{}.debounce)
      .def_property_readonly("fd", &FileWatcher::fd)
      .def("read_changes", &FileWatcher::ReadChanges)
      .def("wait", [](FileWatcher& w, absl::Duration timeout) {
             py::gil_scoped_release release;
             return w.Wait(absl::Now() + timeout);
           }, py::arg("timeout"))
      .def_property_readonly("watch_count", &FileWatcher::watch_count);
}

}  // namespace fops::python
