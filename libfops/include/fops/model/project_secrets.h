// The secrets of a project's run, and a resource as fops shows it. A run's
// secrets are the values of the environment's secret-looking variables
// (Redactor::FromEnvironment) plus the values of every resource's env= and
// serve_env= entries whose names look secret (Redactor::IsSecretName): the
// rule `fops plan --json` shows env values by; and a registry token the
// build plane reads from a variable (an image's `registry_credential`). The engine builds one such
// Redactor per run and passes everything it hands out through it; the
// command's own environment still gets the real values.
//
//   Redactor redactor = ProjectRedactor(project);
//   log << redactor.Redact(line);
//   Resource shown = RedactResource(project.resources[0], redactor);
#ifndef FOPS_MODEL_PROJECT_SECRETS_H_
#define FOPS_MODEL_PROJECT_SECRETS_H_

#include <map>
#include <string>

#include "fops/base/redact.h"
#include "fops/model/resource.h"

namespace fops {

/// The Redactor of a run of `project`: the environment's secrets and the
/// values of env/serve_env entries with secret-looking names.
Redactor ProjectRedactor(const Project& project);

/// `env` as fops shows it: values under secret-looking names become
/// [REDACTED], every other value passes through `redactor`.
std::map<std::string, std::string> RedactEnv(const std::map<std::string, std::string>& env,
                                             const Redactor& redactor);

/// A copy of `resource` as observers, telemetry and `fops plan --json` see
/// it: env and serve_env as RedactEnv() shows them, every other text field
/// (commands, paths, inputs, probe, links, ...) passed through `redactor`.
Resource RedactResource(const Resource& resource, const Redactor& redactor);

}  // namespace fops

#endif  // FOPS_MODEL_PROJECT_SECRETS_H_
