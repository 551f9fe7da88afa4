#pragma once
// The controls of the energy family's MCMC refinement a user may set (`dact sample
// --mcmc-steps-base 5 --mcmc-step-size 0.001 --no-mcmc`, `eval.mcmc_*`). Unset ones
// take the model's defaults (its trained step size alpha, base 5). Torch-free, so
// evaluation jobs carry them as they are.
#include <optional>
#include <string>

namespace dact::models {

struct McmcSamplerControls {
  std::optional<double> steps_base;  // b in S = clamp(int(b (1 + 2 t / T)), 1, 10)
  std::optional<double> step_size;   // alpha in x <- x - alpha dE/dx
  bool off = false;                  // no refinement: plain ancestral DDPM

  bool any() const;
  // The set ones by their command-line names ("--mcmc-steps-base 3, --no-mcmc").
  std::string describe() const;
  // Throws std::invalid_argument unless steps_base >= 0 and step_size > 0 (those set).
  void validate() const;
};

}  // namespace dact::models
