#pragma once
// The second-order stochastic sampler ("2nd-SED solver", DannHuang/edm generate.py
// edm_sampler): an order-1.5 strong Ito-Taylor step (Kloeden & Platen 1992, Eq. 10.4.6
// for additive noise) of EDM's reverse SDE, with the Jacobian-vector product of the
// denoiser from one forward-mode AD pass.
//
// Time is tau = -sigma, the probability-flow ODE's own time (EDM's Euler and Heun step
// in sigma too). The SDE (EDM Eq. 6) keeps every marginal at p(x; sigma):
//   dx = -k(sigma) f dtau + g(sigma) dW,   f = (x - D(x; sigma)) / sigma,
//   k = 1 + beta sigma,   g^2 = 2 beta sigma^2,   beta(sigma) = S_churn / |sigma'(u)|,
// where sigma(u) is the rho-schedule (rho_schedule.h): the Langevin part has strength
// S_churn per unit of schedule time u, so each of N steps raises sigma by about
// S_churn / (N - 1), as EDM's churn of S_churn / N does. beta depends on sigma alone,
// so the SDE is the same for every step count (and for a learned schedule's steps).
// One step from (x_i, sigma_i) to sigma_{i+1}, h = sigma_i - sigma_{i+1}:
//   1. add the step's noise, raising the noise level (the seed's churn):
//        x^ = x_i + S_noise g dW,  sigma^ = sqrt(sigma_i^2 + g^2 h),  tau^ = -sigma^;
//   2. advance from there with the first-order term  a(x^, tau^) h,  a = -k f;
//   3. add the Ito-Taylor correction of the drift's change over the step,
//        J_a v_x + (da/dtau) v_tau  with  v_x = a h^2 / 2 + g (dZ - dW h),
//                                         v_tau = h^2 / 2 + (tau_i - tau^) h,
//      from one JVP of D at (x^, sigma^), which also gives D there, and the change of
//      g over the step, g' (dW h - dZ).
// The a in v_x is the previous step's (as the seed does): a at x^ needs D there, which
// only the pass itself yields, and a enters multiplied by h^2. The first step pays one
// plain pass. (dW, dZ) are drawn jointly (brownian_increment.h). The last step, from
// sigma_min to 0, is EDM's Euler step: x = D(x; sigma_min).
//
// Why sigma and not u: a first version expanded in the rho-schedule's u. The
// trajectory of pure noise, x proportional to sigma(u) = (A + u B)^7, is a polynomial
// of degree 7 in u, and at 8 steps its second-order Taylor step lands at sigma 0.57
// instead of 0.27 (bench/results/samplers.md: FD 638 vs Euler's 115). In sigma that
// trajectory is a line, which every step here follows exactly, as the seed's exact
// secant slope `gamma` of sigma over the step does.
//
// What the seed meant and this does differently: its first-order branch adds the
// update to the state from before the noise (so the noise only moved where D was
// evaluated) - here the step starts from x^; its second-order branch needed dZ, which
// only one of its noise modes provided - here (dW, dZ) always come together; its
// S_max (default inf) was the lowest sigma of the second-order branch, so by default
// that branch never ran - here S_min and S_max bound the noise levels where noise is
// added, as in EDM, and the correction runs at every step.
// The correction leaves out the term (g^2 / 4) (Laplacian of a) h^2, a second
// derivative of D that no single JVP gives; it vanishes when D is affine in x (Gaussian
// data), where the step has strong order 1.5 (tests/models/sampler_sed_test.cpp).
#include <torch/torch.h>

#include "models/diffusion/brownian_increment.h"
#include "models/diffusion/edm_stochasticity.h"
#include "models/diffusion/rho_schedule.h"
#include "models/diffusion/sampler_types.h"

namespace dact::models {

struct SedSamplerOptions : SamplerNoiseLevels, EdmStochasticity {
  // Step 3; off leaves the first-order step (strong order 1), for comparison.
  bool ito_taylor_correction = true;
};

// The SDE's coefficients at sigma for a churn strength S (0 outside [S_min, S_max]).
struct SedCoefficients {
  double k, dk_dsigma, g, dg_dsigma;
};
SedCoefficients sed_coefficients(const RhoSchedule& schedule, double S, double sigma);

// Integrates the reverse SDE from x = noise * t_0 down to sigma = 0 in the dtype of
// `noise`. `denoiser_jvp` gives D with its JVP (denoiser_jvp.h), `denoiser` D alone;
// `brownian` the step's (dW, dZ) for a step of length h. Throws std::invalid_argument
// unless num_steps >= 2.
torch::Tensor sed_sample(const Denoiser& denoiser, const DenoiserJvp& denoiser_jvp, const torch::Tensor& noise,
                         const SedSamplerOptions& options, const BrownianSource& brownian);

}  // namespace dact::models
