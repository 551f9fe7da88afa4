#pragma once
// A learned schedule's file (`dact schedule learn`, models/diffusion/learned_schedule.h):
// JSON with "sigmas", the sampler's noise levels largest first, and how they were
// fitted ("parameterisation", "snapshot", "iterations", "loss"); `--schedule FILE` and
// `eval.schedule` read the sigmas.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dact::launch {

// The noise levels of `path`; throws config::ConfigError naming the file for a missing
// file, bad JSON, or levels that are not >= 2 positive, strictly decreasing numbers.
std::vector<double> read_schedule_file(const std::string& path);

// Writes `document` (which holds "sigmas") to `path`.
void write_schedule_file(const std::string& path, const nlohmann::json& document);

}  // namespace dact::launch
