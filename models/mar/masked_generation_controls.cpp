#include "models/mar/masked_generation_controls.h"

#include <fmt/format.h>

#include <stdexcept>

namespace dact::models {

std::string MaskedGenerationControls::describe() const {
  std::string out;
  if (num_iter) out += fmt::format("--num-iter {}", *num_iter);
  if (temperature) out += fmt::format("{}--temperature {}", out.empty() ? "" : ", ", *temperature);
  return out;
}

void MaskedGenerationControls::validate() const {
  if (num_iter && *num_iter < 1) throw std::invalid_argument(fmt::format("--num-iter must be >= 1, not {}", *num_iter));
  if (temperature && !(*temperature >= 0)) {
    throw std::invalid_argument(fmt::format("--temperature must be >= 0, not {}", *temperature));
  }
}

}  // namespace dact::models
