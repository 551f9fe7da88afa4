#include "launch/sweep/sweep_grid.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "workers/ema/phema.h"

namespace dact::launch {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> fields;
  size_t begin = 0;
  for (size_t end; (end = text.find(separator, begin)) != std::string::npos; begin = end + 1) {
    fields.push_back(text.substr(begin, end - begin));
  }
  fields.push_back(text.substr(begin));
  return fields;
}

// The whole of `field` as a finite number, or nothing.
bool parse_number(const std::string& field, double& value) {
  if (field.empty()) return false;
  char* end = nullptr;
  value = std::strtod(field.c_str(), &end);
  return end == field.c_str() + field.size() && std::isfinite(value);
}

}  // namespace

std::vector<double> parse_std_range(const std::string& text) {
  const std::string usage = "--stds '" + text + "': ";
  const std::vector<std::string> fields = split(text, ':');
  if (fields.size() != 3) throw std::invalid_argument(usage + "expected LOW:HIGH:COUNT, e.g. 0.01:0.20:20");
  double low = 0, high = 0, count = 0;
  if (!parse_number(fields[0], low)) throw std::invalid_argument(usage + "LOW '" + fields[0] + "' is not a number");
  if (!parse_number(fields[1], high)) throw std::invalid_argument(usage + "HIGH '" + fields[1] + "' is not a number");
  if (!parse_number(fields[2], count) || count != std::floor(count) || count < 1) {
    throw std::invalid_argument(usage + "COUNT '" + fields[2] + "' is not a whole number >= 1");
  }
  if (high < low) throw std::invalid_argument(usage + "HIGH is below LOW");
  if (count == 1 && high != low) throw std::invalid_argument(usage + "COUNT 1 needs LOW == HIGH");
  const auto n = static_cast<int64_t>(count);
  std::vector<double> stds;
  std::set<std::string> names;
  for (int64_t i = 0; i < n; ++i) {
    const double spaced = n == 1 ? low : low + (high - low) * static_cast<double>(i) / static_cast<double>(n - 1);
    // To 12 decimals: 0.02:0.18:5 holds 0.14, as `--std 0.14` would, not 0.13999999999999999.
    const double std = std::round(spaced * 1e12) / 1e12;
    try {
      workers::ema::std_to_exp(std);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(usage + fmt::format("std {} has no power-function EMA profile ({})", std,
                                                      error.what()));
    }
    // Reconstructions are stored by std to 3 decimals (posthoc_reconstruction.h).
    if (!names.insert(fmt::format("{:.3f}", std)).second) {
      throw std::invalid_argument(usage + fmt::format("stds closer than 0.001 (two round to {:.3f})", std));
    }
    stds.push_back(std);
  }
  return stds;
}

std::vector<double> parse_guidance_list(const std::string& text) {
  std::vector<double> weights;
  for (const std::string& field : split(text, ',')) {
    double weight = 0;
    if (!parse_number(field, weight)) {
      throw std::invalid_argument("--guidance '" + text + "': '" + field + "' is not a number");
    }
    if (weight < 0) throw std::invalid_argument("--guidance '" + text + "': weight " + field + " is negative");
    for (double seen : weights) {
      if (seen == weight) throw std::invalid_argument("--guidance '" + text + "': " + field + " is repeated");
    }
    weights.push_back(weight);
  }
  return weights;
}

}  // namespace dact::launch
