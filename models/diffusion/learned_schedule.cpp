#include "models/diffusion/learned_schedule.h"

#include <stdexcept>

namespace dact::models {

ScheduleParameterisation schedule_parameterisation_named(const std::string& name) {
  if (name == "softmax") return ScheduleParameterisation::softmax;
  if (name == "sigmoid") return ScheduleParameterisation::sigmoid;
  throw std::invalid_argument("unknown schedule parameterisation '" + name + "' (expected softmax or sigmoid)");
}

std::string schedule_parameterisation_name(ScheduleParameterisation parameterisation) {
  return parameterisation == ScheduleParameterisation::softmax ? "softmax" : "sigmoid";
}

LearnedSchedule::LearnedSchedule(ScheduleParameterisation parameterisation, const RhoSchedule& initial)
    : parameterisation_(parameterisation), sigma_min_(initial.sigma_min), sigma_max_(initial.sigma_max) {
  if (initial.num_steps < 3) throw std::invalid_argument("a learned schedule needs at least 3 noise levels");
  const torch::Tensor rho = edm_sigma_steps(initial).slice(0, 0, initial.num_steps);  // without the final 0
  if (parameterisation == ScheduleParameterisation::softmax) {
    // softmax([v, 1]) = the rho-schedule's decrements as fractions of the range: v_j =
    // ln(fraction_j) shifted so that the last, implicit logit is 1 (the seed's init).
    const torch::Tensor logits = ((rho.slice(0, 1) - rho.slice(0, 0, -1)) / (sigma_min_ - sigma_max_)).log();
    v_ = (logits + (1 - logits[-1])).slice(0, 0, -1).clone();
  } else {
    const torch::Tensor ratio = rho.slice(0, 1) / rho.slice(0, 0, -1);
    v_ = ratio.logit().clone();
  }
  v_.requires_grad_(true);
}

torch::Tensor LearnedSchedule::sigmas() const {
  const auto ends = [&](double value) { return torch::full({1}, value, v_.options().requires_grad(false)); };
  if (parameterisation_ == ScheduleParameterisation::softmax) {
    const torch::Tensor fractions = torch::softmax(torch::cat({v_, ends(1)}), 0).slice(0, 0, -1);
    const torch::Tensor inner = fractions.cumsum(0) * (sigma_min_ - sigma_max_) + sigma_max_;
    return torch::cat({ends(sigma_max_), inner, ends(sigma_min_)});
  }
  return torch::cat({ends(sigma_max_), torch::sigmoid(v_)}).cumprod(0);
}

torch::Tensor LearnedSchedule::step_weights(const torch::Tensor& sigmas) const {
  const torch::Tensor current = sigmas.slice(0, 0, -1), next = sigmas.slice(0, 1);
  if (parameterisation_ == ScheduleParameterisation::softmax) return next.reciprocal() - current.reciprocal();
  return 1 - next / current;
}

torch::Tensor schedule_loss(const LearnedSchedule& schedule, const ScheduleDenoiser& D, const torch::Tensor& y,
                            const torch::Tensor& labels, at::Generator& generator) {
  const int64_t batch = y.size(0);
  const torch::Tensor sigmas = schedule.sigmas();
  const torch::Tensor weights = schedule.step_weights(sigmas);
  const torch::Tensor index = torch::randint(sigmas.size(0) - 1, {batch}, generator, torch::kInt64);
  std::vector<int64_t> column(y.dim(), 1);  // one sigma per sample, broadcast over its elements
  column[0] = batch;
  const torch::Tensor sigma = sigmas.index_select(0, index);
  const torch::Tensor n = torch::randn(y.sizes(), generator, y.options());
  const torch::Tensor x = y + n * sigma.to(y.scalar_type()).view(column);
  const torch::Tensor error = (D(x, sigma, labels) - y).square().flatten(1).sum(1).to(torch::kFloat64);
  torch::Tensor loss = weights.index_select(0, index) * error;
  if (schedule.parameterisation() == ScheduleParameterisation::sigmoid) {
    const torch::Tensor last = sigmas[-1].expand({batch});
    const torch::Tensor n_last = torch::randn(y.sizes(), generator, y.options());
    const torch::Tensor x_last = y + n_last * last.to(y.scalar_type()).view(column);
    loss = loss + (D(x_last, last, labels) - y).square().flatten(1).sum(1).to(torch::kFloat64) / last;
  }
  return loss.mean();
}

void fit_schedule(LearnedSchedule& schedule, const ScheduleDenoiser& D,
                  const std::function<std::pair<torch::Tensor, torch::Tensor>()>& next_batch,
                  const ScheduleFitOptions& options, at::Generator& generator,
                  const std::function<void(int64_t, double)>& progress) {
  torch::optim::Adam adam({schedule.logits()}, torch::optim::AdamOptions(options.lr));
  for (int64_t iteration = 0; iteration < options.iterations; ++iteration) {
    const auto [y, labels] = next_batch();
    adam.zero_grad();
    const torch::Tensor loss = schedule_loss(schedule, D, y, labels, generator);
    loss.backward();
    adam.step();
    if (progress) progress(iteration, loss.item<double>());
  }
}

}  // namespace dact::models
