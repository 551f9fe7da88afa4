#pragma once
// The picture of a post-hoc EMA sweep: FD against EMA std, one line per guidance weight,
// with ticks labelled on both axes and a legend of the weights, written as PNG with the
// writer the preview grids use (storage/png_writer.h).
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "launch/sweep/sweep_plan.h"

namespace dact::launch {

// RGB uint8 [3, height, width] of the table's lines (pairs without a line are skipped).
torch::Tensor sweep_plot(const SweepPlan& plan, const std::map<size_t, nlohmann::json>& lines);

void write_sweep_plot(const std::string& path, const SweepPlan& plan, const std::map<size_t, nlohmann::json>& lines);

}  // namespace dact::launch
