#include "models/diffusion/edm_sampler_controls.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <utility>
#include <vector>

namespace dact::models {
namespace {

std::vector<std::pair<const char*, const std::optional<double>*>> named(const EdmSamplerControls& c) {
  return {{"--rho", &c.rho},         {"--sigma-min", &c.sigma_min}, {"--sigma-max", &c.sigma_max},
          {"--churn", &c.S_churn},   {"--s-min", &c.S_min},         {"--s-max", &c.S_max},
          {"--s-noise", &c.S_noise}};
}

void require(bool holds, const std::string& what) {
  if (!holds) throw std::invalid_argument("sampler control " + what);
}

}  // namespace

bool EdmSamplerControls::any() const { return !describe().empty(); }

std::string EdmSamplerControls::describe() const {
  std::string names;
  for (const auto& [name, value] : named(*this)) {
    if (value->has_value()) names += fmt::format("{}{} {}", names.empty() ? "" : ", ", name, **value);
  }
  if (!sigmas.empty()) names += fmt::format("{}--schedule [{}]", names.empty() ? "" : ", ", fmt::join(sigmas, ", "));
  return names;
}

void EdmSamplerControls::validate() const {
  if (rho) require(*rho > 0, "--rho must be > 0");
  if (sigma_min) require(*sigma_min > 0, "--sigma-min must be > 0");
  if (sigma_min && sigma_max) require(*sigma_min < *sigma_max, "--sigma-min must be below --sigma-max");
  if (sigma_max) require(*sigma_max > 0, "--sigma-max must be > 0");
  if (S_churn) require(*S_churn >= 0, "--churn must be >= 0");
  if (S_min && S_max) require(*S_min <= *S_max, "--s-min must not exceed --s-max");
  if (S_noise) require(*S_noise > 0, "--s-noise must be > 0");
  if (sigmas.empty()) return;
  require(!rho && !sigma_min && !sigma_max, "--schedule replaces the rho-schedule: leave out --rho, --sigma-min and --sigma-max");
  require(sigmas.size() >= 2, "--schedule needs at least 2 noise levels");
  for (size_t i = 0; i < sigmas.size(); ++i) {
    require(sigmas[i] > 0 && (i == 0 || sigmas[i] < sigmas[i - 1]),
            "--schedule: noise levels must be positive and strictly decreasing");
  }
}

}  // namespace dact::models
