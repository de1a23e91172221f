#include "fops/model/project_secrets.h"

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "fops/model/registry_credential.h"

namespace fops {
namespace {

void RedactAll(std::vector<std::string>& texts, const Redactor& redactor) {
  for (std::string& text : texts) text = redactor.Redact(text);
}

Command RedactCommand(const Command& command, const Redactor& redactor) {
  if (command.empty()) return command;
  if (command.is_shell()) return Command::Shell(redactor.Redact(command.script()));
  std::vector<std::string> argv = command.argv();
  RedactAll(argv, redactor);
  return Command::Argv(std::move(argv));
}

void AddSecretEnv(const std::map<std::string, std::string>& env, Redactor& redactor) {
  for (const auto& [name, value] : env) {
    if (Redactor::IsSecretName(name)) redactor.AddSecret(value);
  }
}

}  // namespace

Redactor ProjectRedactor(const Project& project) {
  Redactor redactor = Redactor::FromEnvironment();
  for (const Resource& resource : project.resources) {
    AddSecretEnv(resource.env, redactor);
    AddSecretEnv(resource.serve_env, redactor);
    // A registry token the build plane reads from a variable, whatever its name.
    for (const char* key : {"registry_credential", "cache_credential"}) {
      auto it = resource.inputs.values.find(key);
      if (it == resource.inputs.values.end()) continue;
      absl::StatusOr<RegistryCredentialSource> source = RegistryCredentialSource::Decode(it->second);
      if (!source.ok() || source->kind != RegistryCredentialSource::Kind::kEnv) continue;
      if (const char* token = std::getenv(source->token_env.c_str()); token != nullptr) {
        redactor.AddSecret(token);
      }
    }
  }
  return redactor;
}

std::map<std::string, std::string> RedactEnv(const std::map<std::string, std::string>& env,
                                             const Redactor& redactor) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : env) {
    out[name] = Redactor::IsSecretName(name) ? std::string(kRedacted) : redactor.Redact(value);
  }
  return out;
}

Resource RedactResource(const Resource& resource, const Redactor& redactor) {
  Resource out = resource;
  out.name = redactor.Redact(resource.name);
  out.cmd = RedactCommand(resource.cmd, redactor);
  for (Command& then : out.then_cmds) then = RedactCommand(then, redactor);
  out.serve_cmd = RedactCommand(resource.serve_cmd, redactor);
  RedactAll(out.deps, redactor);
  RedactAll(out.ignore, redactor);
  RedactAll(out.resource_deps, redactor);
  RedactAll(out.labels, redactor);
  out.env = RedactEnv(resource.env, redactor);
  out.serve_env = RedactEnv(resource.serve_env, redactor);
  out.dir = redactor.Redact(resource.dir);
  out.serve_dir = redactor.Redact(resource.serve_dir);
  if (out.readiness_probe.has_value()) {
    std::visit(
        [&](auto& action) {
          using Action = std::decay_t<decltype(action)>;
          if constexpr (std::is_same_v<Action, HttpGetAction>) {
            action.host = redactor.Redact(action.host);
            action.path = redactor.Redact(action.path);
          } else if constexpr (std::is_same_v<Action, TcpSocketAction>) {
            action.host = redactor.Redact(action.host);
          } else {
            RedactAll(action.command, redactor);
          }
        },
        out.readiness_probe->action);
  }
  for (Link& link : out.links) {
    link.url = redactor.Redact(link.url);
    link.name = redactor.Redact(link.name);
  }
  RedactAll(out.inputs.paths, redactor);
  RedactAll(out.inputs.ignore, redactor);
  for (auto& [key, value] : out.inputs.values) value = redactor.Redact(value);
  out.inputs.produces = redactor.Redact(resource.inputs.produces);
  out.kind = redactor.Redact(resource.kind);
  out.declared_at.file = redactor.Redact(resource.declared_at.file);
  return out;
}

}  // namespace fops
