#pragma once
// The second-order stochastic sampler ("2nd-SED solver", DannHuang/edm generate.py
// edm_sampler): an order-1.5 strong Ito-Taylor step (Kloeden & Platen 1992, Eq. 10.4.6
// for additive noise) of EDM's reverse SDE, with the Jacobian-vector product of the
// denoiser from one forward-mode AD pass.
//
// Time is the schedule time u of rho_schedule.h. The SDE (EDM Eq. 6 with
// beta sigma^2 = g^2 / 2) keeps every marginal at p(x; sigma(u)):
//   dx = a(x, u) du + g(u) dW,   a = c(u) f(x, sigma(u)),   f = (x - D(x; sigma)) / sigma,
//   g(u)^2 = 2 S_churn sigma(u)^2,   c(u) = sigma'(u) - S_churn sigma(u),
// so each step of length du = 1 / (N - 1) raises sigma by about S_churn du, as EDM's
// churn of S_churn / N does. One step from (x_i, u_i):
//   1. add the step's noise, raising the noise level (the seed's churn):
//        x^ = x_i + S_noise g dW,  sigma^ = sqrt(sigma_i^2 + g^2 du),  u^ = u(sigma^);
//   2. advance from there with the first-order term  a(x^, u^) du;
//   3. add the Ito-Taylor correction of the drift's change over the step,
//        J_a v_x + (da/du) v_u  with  v_x = a du^2 / 2 + g (dZ - dW du),
//                                     v_u = du^2 / 2 + (u_i - u^) du,
//      from one JVP of D at (x^, sigma^), which also gives D there, and the change of
//      g over the step, g' (dW du - dZ).
// The a in v_x is the previous step's (as the seed does): a at x^ needs D there, which
// only the pass itself yields, and a enters multiplied by du^2, so the difference is
// O(du^2.5) per step, below the scheme's own error. The first step pays one plain pass.
// (dW, dZ) are drawn jointly (brownian_increment.h). The last step, from sigma_min to
// 0, is EDM's Euler step: x = D(x; sigma_min).
//
// What the seed meant and this does differently: its first-order branch adds the
// update to the state from before the noise (so the noise only moved where D was
// evaluated) - here the step starts from x^; its second-order branch needed dZ, which
// only one of its noise modes provided - here (dW, dZ) always come together; its
// S_max (default inf) was the lowest sigma of the second-order branch, so by default
// that branch never ran - here S_min and S_max bound the noise levels where noise is
// added, as in EDM, and the correction runs at every step.
// The correction leaves out the term (g^2 / 4) (Laplacian of a) du^2, a second
// derivative of D that no single JVP gives; it vanishes when D is affine in x (Gaussian
// data), where the step has strong order 1.5 (tests/models/sampler_sed_test.cpp).
#include <torch/torch.h>

#include "models/diffusion/brownian_increment.h"
#include "models/diffusion/edm_stochasticity.h"
#include "models/diffusion/rho_schedule.h"
#include "models/diffusion/sampler_types.h"

namespace dact::models {

struct SedSamplerOptions : RhoSchedule, EdmStochasticity {
  // Step 3; off leaves the first-order step (strong order 1), for comparison.
  bool ito_taylor_correction = true;
};

// Integrates the reverse SDE from x = noise * sigma_max down to sigma = 0 in the dtype
// of `noise`. `denoiser_jvp` gives D with its JVP (denoiser_jvp.h), `denoiser` D alone;
// `brownian` the step's (dW, dZ). Throws std::invalid_argument unless num_steps >= 2.
torch::Tensor sed_sample(const Denoiser& denoiser, const DenoiserJvp& denoiser_jvp, const torch::Tensor& noise,
                         const SedSamplerOptions& options, const BrownianSource& brownian);

}  // namespace dact::models
