#pragma once
// The controls of MAR's masked generation a user may set (`dact sample --num-iter
// --temperature`, `eval.num_iter`, `eval.temperature`); unset ones take MAR's defaults
// (64 rounds or one per token if fewer, temperature 1). Torch-free, so evaluation jobs carry them as they are.
#include <cstdint>
#include <optional>
#include <string>

namespace dact::models {

struct MaskedGenerationControls {
  std::optional<int64_t> num_iter;    // rounds of generation
  std::optional<double> temperature;  // scale of the DiffLoss sampler's step noise

  bool any() const { return num_iter.has_value() || temperature.has_value(); }
  // The set ones by their command-line names and values ("--num-iter 16, --temperature 0.9").
  std::string describe() const;
  // Throws std::invalid_argument unless num_iter >= 1 and temperature >= 0 (for those set).
  void validate() const;
};

}  // namespace dact::models
