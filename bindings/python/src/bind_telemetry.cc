// Python shims for the telemetry layer: the configuration read from the
// environment, the engine bridge (TelemetryObserver, an fops.Observer the
// engine calls without the GIL), its flush report, the event vocabulary and
// the ClickHouse DDL. The readable API is fops/telemetry.py.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "fops/engine/observer.h"
#include "fops/engine/telemetry_observer.h"
#include "fops/telemetry/build_event.h"
#include "fops/telemetry/clickhouse_sink.h"
#include "fops/telemetry/telemetry_config.h"

namespace fops::python {
namespace py = pybind11;

namespace {

// "otlp http://c:4318/v1/logs", ...: what a config turns on, without secrets.
std::vector<std::string> DescribeSinks(const TelemetryConfig& config) {
  std::vector<std::string> out;
  if (config.otlp) out.push_back("otlp " + config.redactor.Redact(config.otlp->endpoint));
  if (config.clickhouse) {
    out.push_back("clickhouse " + config.clickhouse->url + " " + config.clickhouse->database +
                  "." + config.clickhouse->table);
  }
  if (config.jsonl) out.push_back("jsonl " + config.jsonl->string());
  return out;
}

// One event from Python keywords; unknown keywords are a ConfigError.
BuildEvent EventFromKeywords(const std::string& name, const py::kwargs& fields) {
  BuildEvent event;
  event.name = ValueOrRaise(ParseEventName(name));
  std::pair<const char*, std::string*> text_fields[] = {
      {"resource", &event.resource},       {"kind", &event.kind},
      {"target", &event.target},           {"stage", &event.stage},
      {"mode", &event.mode},               {"image_ref", &event.image_ref},
      {"cache_scope", &event.cache_scope}, {"status", &event.status},
      {"reason", &event.reason},           {"detail", &event.detail},
      {"release", &event.release},         {"namespace", &event.release_namespace},
  };
  for (auto item : fields) {
    const std::string key = py::str(item.first);
    if (key == "duration_ms") {
      event.duration_ms = item.second.cast<int64_t>();
      continue;
    }
    bool known = false;
    for (auto& [field, target] : text_fields) {
      if (key == field) {
        *target = py::str(item.second);
        known = true;
      }
    }
    if (!known) {
      ThrowStatus(absl::InvalidArgumentError(
          "emit(): unknown build event field '" + key + "' (fields: docs/telemetry.md)"));
    }
  }
  return event;
}

}  // namespace

void BindTelemetry(py::module_& m) {
  m.def("build_event_names", [] {
    std::vector<std::string> names;
    for (EventName name : AllEventNames()) names.emplace_back(EventNameString(name));
    return names;
  }, "Every Build Plane Event name, in declaration order (docs/telemetry.md).");

  m.def("build_event_fields", [] {
    std::vector<std::string> fields;
    for (std::string_view field : BuildEventFieldNames()) fields.emplace_back(field);
    return fields;
  }, "The fields of a Build Plane Event, as in the JSON lines and the ClickHouse table.");

  m.def("clickhouse_ddl", [](const std::string& database, const std::string& table) {
    if (!IsClickHouseIdentifier(database) || !IsClickHouseIdentifier(table)) {
      ThrowStatus(absl::InvalidArgumentError(
          "database and table must be plain identifiers ([A-Za-z_][A-Za-z0-9_]*), got '" +
          database + "." + table + "'"));
    }
    return ClickHouseDdl(database, table);
  }, py::arg("database") = std::string(kDefaultEventsDatabase),
     py::arg("table") = std::string(kDefaultEventsTable),
     "CREATE DATABASE / CREATE TABLE for the build events table (ClickHouse 18.16+).");

  py::class_<SinkReport>(m, "SinkReport", "What happened to one sink's events.")
      .def_readonly("sink", &SinkReport::sink)
      .def_readonly("destination", &SinkReport::destination)
      .def_readonly("delivered", &SinkReport::delivered)
      .def_readonly("dropped", &SinkReport::dropped)
      .def_readonly("failed", &SinkReport::failed)
      .def_readonly("retries", &SinkReport::retries)
      .def_property_readonly("last_error", [](const SinkReport& r) { return Text(r.last_error); })
      .def("__repr__", [](const SinkReport& r) {
        return "<SinkReport " + r.sink + ": " + std::to_string(r.delivered) + " delivered, " +
               std::to_string(r.dropped) + " dropped, " + std::to_string(r.failed) + " failed>";
      });

  py::class_<TelemetryReport>(m, "TelemetryReport", "The outcome of a run's telemetry.")
      .def_readonly("strict", &TelemetryReport::strict)
      .def_readonly("emitted", &TelemetryReport::emitted)
      .def_readonly("sinks", &TelemetryReport::sinks)
      .def_property_readonly("complete", &TelemetryReport::complete)
      .def("summary_lines", [](const TelemetryReport& r) { return TextList(r.SummaryLines()); })
      .def("end_of_run_lines", [](const TelemetryReport& r) { return TextList(r.EndOfRunLines()); },
           "summary_lines() without a JSON lines sink that got every event")
      .def_property_readonly("strict_error", [](const TelemetryReport& r) -> py::object {
        absl::Status status = r.StrictStatus();
        if (status.ok()) return py::none();
        return Text(std::string(status.message()));
      }, "None, or why the run fails in strict mode.");

  py::class_<TelemetryConfig>(m, "TelemetryConfig",
                              "Which sinks the environment turns on (docs/telemetry.md).")
      .def_static("from_environment", [](const std::string& state_dir) {
        return ValueOrRaise(TelemetryConfig::FromEnvironment(ProcessEnv(), state_dir));
      }, py::arg("state_dir"))
      .def_readonly("strict", &TelemetryConfig::strict)
      .def_readonly("flush_timeout", &TelemetryConfig::flush_timeout)
      .def_readonly("warnings", &TelemetryConfig::warnings)
      .def_property_readonly("sinks", &DescribeSinks, "'otlp URL', 'clickhouse URL db.table', "
                             "'jsonl PATH' for each sink that is on");

  py::class_<TelemetryObserver, Observer>(m, "TelemetryObserver", py::dynamic_attr(), R"doc(
Emits Build Plane Events for an engine run to the sinks of `config`.

Pass it in an Engine's observers; after the run call finish(deadline).
)doc")
      .def(py::init([](const TelemetryConfig& config, const std::string& runner,
                       const std::string& root, const std::string& mode) {
             py::gil_scoped_release release;  // may run `git rev-parse`
             return TelemetryObserver::ForRepo(config, root, runner, mode);
           }),
           py::arg("config"), py::arg("runner") = "", py::arg("root") = ".",
           py::arg("mode") = "development")
      .def("emit", [](TelemetryObserver& self, const std::string& name, py::kwargs fields) {
        self.Emit(EventFromKeywords(name, fields));
      }, py::arg("name"), "Queues one event (e.g. 'mode.changed', mode='staging').")
      .def("finish", [](TelemetryObserver& self, absl::Duration deadline) {
        py::gil_scoped_release release;
        return self.Finish(deadline);
      }, py::arg("deadline"), "Flushes within `deadline` seconds and returns the report.")
      .def_property_readonly("session_id", &TelemetryObserver::session_id)
      .def_property_readonly("runner", [](const TelemetryObserver& o) { return o.facts().runner; })
      .def_property_readonly("host", [](const TelemetryObserver& o) { return o.facts().host; })
      .def_property_readonly("git_revision",
                             [](const TelemetryObserver& o) { return o.facts().git_revision; });
}

}  // namespace fops::python
