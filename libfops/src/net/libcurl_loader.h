// libcurl, loaded on first use. libfops does not link libcurl: mapping it
// and its ~30 dependencies (TLS, Kerberos, LDAP, SSH, RTMP, ...) costs every
// program that links libfops ~3-4 ms at start-up, while most runs never send
// an HTTP request. The first HTTP use dlopens `libcurl.so.4` (once per
// process, thread-safe), resolves the few functions fops calls into a
// LibCurl table and runs curl_global_init. If the library is missing, every
// use returns kFailedPrecondition naming the soname and the Debian package.
// Private to libfops: the curl headers are a build-time dependency only.
//
//   FOPS_ASSIGN_OR_RETURN(const LibCurl* curl, DefaultLibCurl().Get());
//   CURL* handle = curl->easy_init();
#ifndef FOPS_SRC_NET_LIBCURL_LOADER_H_
#define FOPS_SRC_NET_LIBCURL_LOADER_H_

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "fops/net/http_client.h"

namespace fops {

/// The soname fops loads (libcurl's ABI 4, as in the headers it compiles with).
inline constexpr char kLibCurlSoname[] = "libcurl.so.4";
/// The Debian package that ships kLibCurlSoname, named in the error.
inline constexpr char kLibCurlDebianPackage[] = "libcurl4";

/// The libcurl functions fops calls, resolved from one loaded library. The
/// variadic ones (easy_setopt, easy_getinfo) lose curl's GCC type checks:
/// pass `long` for numeric options, as curl's documentation requires.
struct LibCurl {
  decltype(&::curl_global_init) global_init = nullptr;        ///< curl_global_init
  decltype(&::curl_easy_init) easy_init = nullptr;            ///< curl_easy_init
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;      ///< curl_easy_cleanup
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;        ///< curl_easy_setopt
  decltype(&::curl_easy_perform) easy_perform = nullptr;      ///< curl_easy_perform
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;      ///< curl_easy_getinfo
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;    ///< curl_easy_strerror
  decltype(&::curl_slist_append) slist_append = nullptr;      ///< curl_slist_append
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;  ///< curl_slist_free_all
  decltype(&::curl_easy_escape) easy_escape = nullptr;        ///< curl_easy_escape
  decltype(&::curl_easy_unescape) easy_unescape = nullptr;    ///< curl_easy_unescape
  decltype(&::curl_free) free = nullptr;                      ///< curl_free
};

/// Loads one soname once. The library is never unloaded: curl keeps global
/// state and callers may hold handles until the process exits.
class LibCurlLoader {
 public:
  /// `soname` as dlopen takes it; nothing is loaded until Get().
  explicit LibCurlLoader(std::string soname) : soname_(std::move(soname)) {}
  LibCurlLoader(const LibCurlLoader&) = delete;
  LibCurlLoader& operator=(const LibCurlLoader&) = delete;

  /// The table; the first call loads the library, resolves every function
  /// and runs curl_global_init. kFailedPrecondition (not retryable, so no
  /// caller retries it) names the soname, the dlerror text and the Debian
  /// package; the outcome is kept, a failed load is not retried. Thread-safe.
  absl::StatusOr<const LibCurl*> Get();

  /// The soname this loader opens.
  const std::string& soname() const { return soname_; }

 private:
  std::string soname_;
  std::once_flag once_;
  absl::StatusOr<LibCurl> table_ = absl::UnknownError("not loaded");
};

/// The process-wide loader of kLibCurlSoname that libfops uses. Never
/// destroyed, so threads still sending at exit keep a valid table.
LibCurlLoader& DefaultLibCurl();

/// The libcurl HttpClient over `loader` (which must outlive it). Send
/// returns the loader's error, prefixed with method and URL, when libcurl
/// cannot be loaded. NewCurlHttpClient() is this with DefaultLibCurl();
/// tests pass a loader of a soname that does not exist.
std::unique_ptr<HttpClient> NewCurlHttpClient(LibCurlLoader& loader);

/// %XX-encodes `text` with curl_easy_escape (everything but [A-Za-z0-9-._~]).
absl::StatusOr<std::string> CurlEscape(std::string_view text);

/// Decodes %XX escapes with curl_easy_unescape ('+' stays '+').
absl::StatusOr<std::string> CurlUnescape(std::string_view text);

}  // namespace fops

#endif  // FOPS_SRC_NET_LIBCURL_LOADER_H_
