#include "models/diffusion/mcmc_sampler_controls.h"

#include <fmt/format.h>

#include <stdexcept>

namespace dact::models {

bool McmcSamplerControls::any() const { return !describe().empty(); }

std::string McmcSamplerControls::describe() const {
  std::string names;
  const auto add = [&names](const std::string& part) { names += (names.empty() ? "" : ", ") + part; };
  if (steps_base) add(fmt::format("--mcmc-steps-base {}", *steps_base));
  if (step_size) add(fmt::format("--mcmc-step-size {}", *step_size));
  if (off) add("--no-mcmc");
  return names;
}

void McmcSamplerControls::validate() const {
  if (steps_base && !(*steps_base >= 0)) throw std::invalid_argument("--mcmc-steps-base must be >= 0");
  if (step_size && !(*step_size > 0)) throw std::invalid_argument("--mcmc-step-size must be > 0");
}

}  // namespace dact::models
