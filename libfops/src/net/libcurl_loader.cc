#include "libcurl_loader.h"

#include <dlfcn.h>

#include "absl/strings/str_cat.h"
#include "fops/base/status_macros.h"
#include "fops/base/string_view.h"

namespace fops {
namespace {

absl::Status Unloadable(std::string_view soname, std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot load ", ToAbsl(soname), " (", ToAbsl(why), "); HTTP (readiness probes, Argo CD, "
      "telemetry sinks) needs libcurl: install the Debian package ", kLibCurlDebianPackage));
}

// dlsym into `*fn`; the cast from void* is how POSIX hands out functions.
template <typename Fn>
absl::Status Resolve(void* library, std::string_view soname, const char* name, Fn* fn) {
  dlerror();  // clear any earlier error
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) {
    const char* why = dlerror();
    return Unloadable(soname, why != nullptr ? why : absl::StrCat(name, " not found"));
  }
  *fn = reinterpret_cast<Fn>(symbol);
  return absl::OkStatus();
}

absl::Status ResolveAll(void* library, std::string_view soname, LibCurl& t) {
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_global_init", &t.global_init));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_init", &t.easy_init));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_cleanup", &t.easy_cleanup));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_setopt", &t.easy_setopt));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_perform", &t.easy_perform));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_getinfo", &t.easy_getinfo));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_strerror", &t.easy_strerror));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_slist_append", &t.slist_append));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_slist_free_all", &t.slist_free_all));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_escape", &t.easy_escape));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_easy_unescape", &t.easy_unescape));
  FOPS_RETURN_IF_ERROR(Resolve(library, soname, "curl_free", &t.free));
  return absl::OkStatus();
}

absl::StatusOr<LibCurl> Load(const std::string& soname) {
  // RTLD_NOW: a libcurl missing a symbol or a dependency fails here, with
  // dlerror's text, rather than aborting the process at its first call.
  // RTLD_LOCAL: curl's symbols stay out of the global namespace.
  void* library = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return Unloadable(soname, why != nullptr ? why : "dlopen failed");
  }
  LibCurl table;
  if (absl::Status resolved = ResolveAll(library, soname, table); !resolved.ok()) {
    dlclose(library);
    return resolved;
  }
  if (CURLcode code = table.global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    // The library stays loaded: curl_global_init may have started threads or
    // registered handlers that unloading would leave dangling.
    return Unloadable(soname, absl::StrCat("curl_global_init: ", table.easy_strerror(code)));
  }
  return table;
}

}  // namespace

absl::StatusOr<const LibCurl*> LibCurlLoader::Get() {
  std::call_once(once_, [this] { table_ = Load(soname_); });
  if (!table_.ok()) return table_.status();
  return &*table_;
}

LibCurlLoader& DefaultLibCurl() {
  static LibCurlLoader* const loader = new LibCurlLoader(kLibCurlSoname);
  return *loader;
}

absl::StatusOr<std::string> CurlEscape(std::string_view text) {
  FOPS_ASSIGN_OR_RETURN(const LibCurl* curl, DefaultLibCurl().Get());
  // The handle argument is unused since curl 7.82.
  char* encoded = curl->easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (encoded == nullptr) return absl::ResourceExhaustedError("curl_easy_escape failed");
  std::string out(encoded);
  curl->free(encoded);
  return out;
}

absl::StatusOr<std::string> CurlUnescape(std::string_view text) {
  FOPS_ASSIGN_OR_RETURN(const LibCurl* curl, DefaultLibCurl().Get());
  int length = 0;
  char* decoded =
      curl->easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length);
  if (decoded == nullptr) return absl::ResourceExhaustedError("curl_easy_unescape failed");
  std::string out(decoded, static_cast<size_t>(length));
  curl->free(decoded);
  return out;
}

}  // namespace fops
