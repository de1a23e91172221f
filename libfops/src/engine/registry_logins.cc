#include "fops/engine/registry_logins.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fops/base/runtime_dir.h"
#include "fops/base/status_macros.h"
#include "fops/model/image_ref.h"
#include "fops/net/registry_login_file.h"

namespace fops {
namespace {

using Kind = RegistryCredentialSource::Kind;

// One registry an image resource uses, with how it logs in.
struct Use {
  std::string host;
  RegistryCredentialSource source;
  bool tls_verify = true;
  std::string ca_file;
  std::string resource;
};

absl::StatusOr<std::vector<Use>> UsesOf(const Resource& r) {
  std::vector<Use> uses;
  auto add = [&](const std::string& reference, const std::string& prefix) -> absl::Status {
    if (reference.empty()) return absl::OkStatus();
    absl::StatusOr<ImageRef> ref = ImageRef::Parse(reference);
    if (!ref.ok()) return absl::OkStatus();  // not an image: nothing to log in to
    absl::StatusOr<RegistryCredentialSource> source =
        RegistryCredentialSource::Decode(r.inputs.Value(prefix + "_credential"));
    if (!source.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource '", r.name, "': ", source.status().message()));
    }
    uses.push_back(Use{.host = ref->domain(),
                       .source = *source,
                       .tls_verify = r.inputs.Value(prefix + "_tls_verify") != "false",
                       .ca_file = r.inputs.Value(prefix + "_ca_file"),
                       .resource = r.name});
    return absl::OkStatus();
  };
  FOPS_RETURN_IF_ERROR(add(r.inputs.produces, "registry"));
  FOPS_RETURN_IF_ERROR(add(r.inputs.Value("cache_scope"), "cache"));
  return uses;
}

std::string Env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? "" : value;
}

// The login `use` names, or nullopt for an anonymous one.
absl::StatusOr<std::optional<RegistryCredential>> Resolve(const Use& use) {
  const RegistryCredentialSource& s = use.source;
  const std::string who = absl::StrCat("registry ", use.host, " (used by '", use.resource, "')");
  switch (s.kind) {
    case Kind::kNone:
      return std::nullopt;
    case Kind::kDefault: {
      for (const std::filesystem::path& file : DefaultLoginFiles()) {
        FOPS_ASSIGN_OR_RETURN(std::optional<RegistryCredential> login,
                              ReadLoginFile(file, use.host));
        if (login) return login;
      }
      return std::nullopt;
    }
    case Kind::kAuthFile: {
      std::error_code ec;
      if (!std::filesystem::exists(s.auth_file, ec)) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, ": its login file ", s.auth_file, " does not exist (the build plane's credential)"));
      }
      FOPS_ASSIGN_OR_RETURN(std::optional<RegistryCredential> login,
                            ReadLoginFile(s.auth_file, use.host));
      if (!login) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, ": its login file ", s.auth_file, " holds no login for ", use.host,
            " (log in with `buildah login --authfile ", s.auth_file, " ", use.host, "`)"));
      }
      return login;
    }
    case Kind::kEnv: {
      RegistryCredential login;
      login.secret = Env(s.token_env);
      if (login.secret.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, ": its token variable ", s.token_env,
            " is not set (the build plane's credential for this registry)"));
      }
      login.username = !s.username.empty() ? s.username : Env(s.username_env);
      if (login.username.empty() && !s.username_env.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            who, ": its user name variable ", s.username_env, " is not set"));
      }
      if (login.username.empty()) login.username = "fops";
      return login;
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryLogins>> RegistryLogins::Prepare(
    const std::vector<Resource>& resources, const std::filesystem::path& state_dir,
    HttpClient& http, bool verify) {
  std::unique_ptr<RegistryLogins> logins(new RegistryLogins());
  std::vector<Use> configured;  // logins the plane names: written and verified
  bool needs_file = false;
  for (const Resource& r : resources) {
    if (r.kind != "image") continue;
    FOPS_ASSIGN_OR_RETURN(std::vector<Use> uses, UsesOf(r));
    for (const Use& use : uses) {
      if (use.source.kind != Kind::kDefault) needs_file = true;
      FOPS_ASSIGN_OR_RETURN(std::optional<RegistryCredential> login, Resolve(use));
      if (!login) continue;
      // The first resource's login for a host stands (a plane has one per registry).
      if (logins->logins_.emplace(use.host, *login).second &&
          (use.source.kind == Kind::kEnv || use.source.kind == Kind::kAuthFile)) {
        configured.push_back(use);
      }
    }
  }
  if (verify) {
    RegistryClient client(http);
    for (const Use& use : configured) {
      RegistryAccess access{.tls_verify = use.tls_verify,
                            .ca_file = use.ca_file,
                            .credential = logins->logins_[use.host]};
      absl::Status accepted = client.CheckLogin(use.host, access, absl::Now() + absl::Seconds(10));
      if (absl::IsPermissionDenied(accepted)) {
        return absl::PermissionDeniedError(absl::StrCat(
            accepted.message(), ": the login from ", use.source.Describe(), " (used by '",
            use.resource, "') is wrong or lacks access"));
      }
    }
  }
  if (needs_file) {
    std::filesystem::path file = RegistryLoginFile(state_dir);
    FOPS_RETURN_IF_ERROR(WriteLoginFile(file, logins->logins_));
    logins->written_ = file;
  }
  return logins;
}

std::optional<RegistryCredential> RegistryLogins::Find(std::string_view host) const {
  auto it = logins_.find(std::string(host));
  if (it == logins_.end()) return std::nullopt;
  return it->second;
}

RegistryCredentialLookup RegistryLogins::AsLookup() const {
  return [this](std::string_view host) -> absl::StatusOr<std::optional<RegistryCredential>> {
    return Find(host);
  };
}

std::vector<std::string> RegistryLogins::secrets() const {
  std::vector<std::string> out;
  for (const auto& [host, login] : logins_) out.push_back(login.secret);
  return out;
}

}  // namespace fops
