#pragma once
// One power-function EMA track (EDM2's PowerFunctionEMA for a single std): a copy
// of the trained parameters averaged with the profile of relative std `std`.
// Not thread-safe; the EMA actor owns its tracks.
#include <torch/torch.h>

#include <map>
#include <string>

namespace dact::workers::ema {

class PowerEmaTrack {
 public:
  using NamedTensors = std::map<std::string, torch::Tensor>;

  // Starts from a deep copy of `initial_params`. Throws std::invalid_argument if
  // `std` has no power-function profile (see std_to_exp).
  PowerEmaTrack(double std, const NamedTensors& initial_params);

  // One EMA step after training reached `cur_nimg` images with `batch_size` images
  // per step: ema <- lerp(ema, current, 1 - power_function_beta(std, cur_nimg, batch_size)).
  // `current_params` must hold the same names, shapes and dtypes (std::invalid_argument).
  void update(const NamedTensors& current_params, int64_t cur_nimg, int64_t batch_size);

  double std() const { return std_; }
  const NamedTensors& params() const { return params_; }

 private:
  double std_;
  NamedTensors params_;
};

}  // namespace dact::workers::ema
