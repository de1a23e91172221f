#include "fops/cli/ci_args.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace fops {
namespace {

// A whole-string decimal number as Python's float() reads the common forms;
// nullopt for anything unusual (Python then decides).
std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return std::nullopt;
  }
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int> ParsePositiveInt(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1) return std::nullopt;
  return value;
}

// The value of option `name` at argv[*i] ("--name=V" or "--name V"; for a
// short alias also "-fV"), advancing *i past it; nullopt when it is not
// that option or has no value.
std::optional<std::string> OptionValue(const std::vector<std::string>& argv, size_t* i,
                                       std::string_view name, std::string_view short_name) {
  std::string_view arg = argv[*i];
  if (arg == name || (!short_name.empty() && arg == short_name)) {
    if (*i + 1 >= argv.size()) return std::nullopt;
    std::string_view value = argv[*i + 1];
    if (value.empty() || value[0] == '-') return std::nullopt;  // argparse would refuse
    *i += 1;
    return std::string(value);
  }
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
    return std::string(arg.substr(name.size() + 1));
  }
  if (!short_name.empty() && arg.size() > short_name.size() &&
      arg.substr(0, short_name.size()) == short_name && arg[short_name.size()] != '-') {
    return std::string(arg.substr(short_name.size()));
  }
  return std::nullopt;
}

}  // namespace

std::optional<absl::Duration> ParseDurationArg(std::string_view text) {
  if (std::optional<double> seconds = ParseNumber(text)) {
    return absl::Seconds(*seconds);
  }
  struct Unit {
    std::string_view name;
    absl::Duration size;
  };
  const Unit units[] = {{"ns", absl::Nanoseconds(1)}, {"us", absl::Microseconds(1)},
                        {"µs", absl::Microseconds(1)}, {"ms", absl::Milliseconds(1)},
                        {"s", absl::Seconds(1)},        {"m", absl::Minutes(1)},
                        {"h", absl::Hours(1)}};
  absl::Duration total = absl::ZeroDuration();
  size_t pos = 0;
  if (text.empty()) return std::nullopt;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) {
      ++pos;
    }
    std::optional<double> number = ParseNumber(text.substr(start, pos - start));
    if (!number) return std::nullopt;
    // The longest unit that matches, so "ms" is not read as "m" then "s".
    const Unit* unit = nullptr;
    for (const Unit& u : units) {
      if (text.substr(pos, u.name.size()) == u.name &&
          (unit == nullptr || u.name.size() > unit->name.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) return std::nullopt;
    pos += unit->name.size();
    total += *number * unit->size;
  }
  return total;
}

std::optional<CiArgs> ParseCiArgs(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "ci") return std::nullopt;
  CiArgs args;
  bool seen_resource = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") {
      args.tiltfile_args.assign(argv.begin() + i + 1, argv.end());
      break;
    }
    if (arg.empty() || arg[0] != '-') {
      args.resources.push_back(arg);
      seen_resource = true;
      continue;
    }
    // argparse refuses an option between RESOURCE names; let it say so.
    if (seen_resource) return std::nullopt;
    if (arg == "--force") {
      args.force = true;
    } else if (std::optional<std::string> file = OptionValue(argv, &i, "--file", "-f")) {
      if (file->empty()) return std::nullopt;
      args.file = *file;
    } else if (std::optional<std::string> n = OptionValue(argv, &i, "--max-parallel", "")) {
      std::optional<int> value = ParsePositiveInt(*n);
      if (!value) return std::nullopt;
      args.max_parallel = *value;
    } else if (std::optional<std::string> d = OptionValue(argv, &i, "--timeout", "")) {
      std::optional<absl::Duration> value = ParseDurationArg(*d);
      if (!value || *value <= absl::ZeroDuration()) return std::nullopt;
      args.timeout = *value;
    } else {
      return std::nullopt;  // --help, abbreviations, unknown options: argparse's job
    }
  }
  return args;
}

}  // namespace fops
