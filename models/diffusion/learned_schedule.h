#pragma once
// Learned sampling schedules: the N noise levels sigma_0 > ... > sigma_{N-1} of an EDM
// sampler fitted against a frozen denoiser, as the second-order SED solver's authors fit
// them (DannHuang/edm training/sigma_training_loop.py softmax_model / sigmoid_model and
// training/sigma_loss.py SoftmaxLoss / SigmoidLoss in their 'Dns' mode):
//
//   softmax: sigma_0 = sigma_max, sigma_{N-1} = sigma_min, and in between
//            sigma_i = sigma_max + (sigma_min - sigma_max) sum_{j<i} softmax([v, 1])_j,
//            so the N - 1 decrements are positive and fill the range (v: N - 2 logits);
//   sigmoid: sigma_0 = sigma_max, sigma_{i+1} = sigma_i sigmoid(v_i) (v: N - 1 logits),
//            the last level free.
// Both start at the rho-schedule (EDM Eq. 5) of N levels. The objective is the seed's
// denoised-error weighting: a sample's error ||D(y + sigma_i n; sigma_i) - y||^2 at a
// step i drawn uniformly from 0..N-2, weighted by
//   softmax: 1 / sigma_{i+1} - 1 / sigma_i
//   sigmoid: 1 - sigma_{i+1} / sigma_i, plus ||D(y + sigma_{N-1} n'; sigma_{N-1}) - y||^2
//            / sigma_{N-1}, which keeps the free last level from staying high.
// The softmax sum is the left Riemann sum of the integral of the denoiser's error over
// 1 / sigma, whose excess over the integral is the schedule's discretization error; the
// sigmoid one the same in ln(sigma). Gradients reach v through the weights and through
// D's inputs (the seed's SoftmaxLoss; its SigmoidLoss detaches D at sigma_i, which only
// drops that path: here both keep it).
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "models/diffusion/rho_schedule.h"

namespace dact::models {

enum class ScheduleParameterisation { softmax, sigmoid };

// "softmax" | "sigmoid"; throws std::invalid_argument otherwise.
ScheduleParameterisation schedule_parameterisation_named(const std::string& name);
std::string schedule_parameterisation_name(ScheduleParameterisation parameterisation);

class LearnedSchedule {
 public:
  // Starts at the rho-schedule of `initial` (its num_steps = N >= 3, sigma range, rho).
  LearnedSchedule(ScheduleParameterisation parameterisation, const RhoSchedule& initial);

  // The N noise levels [N] (float64), differentiable in logits().
  torch::Tensor sigmas() const;
  // The per-step weights [N - 1] of the denoised error (header comment).
  torch::Tensor step_weights(const torch::Tensor& sigmas) const;
  torch::Tensor& logits() { return v_; }
  ScheduleParameterisation parameterisation() const { return parameterisation_; }

 private:
  ScheduleParameterisation parameterisation_;
  double sigma_min_, sigma_max_;
  torch::Tensor v_;
};

// D(x; sigma, class_labels) of the frozen network; sigma [N], differentiable.
using ScheduleDenoiser =
    std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor& labels)>;

// The objective on one batch of clean images y [B, ...] (labels one-hot or undefined):
// the mean over samples of the weighted error (header comment). Draws the step indices,
// then the noise, then (sigmoid) the last level's noise from `generator`.
torch::Tensor schedule_loss(const LearnedSchedule& schedule, const ScheduleDenoiser& D, const torch::Tensor& y,
                            const torch::Tensor& labels, at::Generator& generator);

struct ScheduleFitOptions {
  int64_t iterations = 200;
  double lr = 1e-2;  // Adam
};

// Fits `schedule` with Adam on batches from `next_batch` (clean images and one-hot
// labels). `progress(iteration, loss)` is called after each step when set.
void fit_schedule(LearnedSchedule& schedule, const ScheduleDenoiser& D,
                  const std::function<std::pair<torch::Tensor, torch::Tensor>()>& next_batch,
                  const ScheduleFitOptions& options, at::Generator& generator,
                  const std::function<void(int64_t, double)>& progress = {});

}  // namespace dact::models
