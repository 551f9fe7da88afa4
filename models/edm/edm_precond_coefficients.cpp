#include "models/edm/edm_precond_coefficients.h"

#include <cmath>

#include "models/diffusion/edm_preconditioning.h"

namespace dact::models::edm {

PrecondCoefficients vp_coefficients(const VpPrecondArguments& vp, const torch::Tensor& sigma) {
  return {torch::ones_like(sigma), -sigma, 1 / (sigma.square() + 1).sqrt(),
          static_cast<double>(vp.M - 1) * vp_sigma_inv(vp, sigma)};
}

torch::Tensor vp_sigma(const VpPrecondArguments& vp, const torch::Tensor& t) {
  return ((0.5 * vp.beta_d * t.square() + vp.beta_min * t).exp() - 1).sqrt();
}

torch::Tensor vp_sigma_inv(const VpPrecondArguments& vp, const torch::Tensor& sigma) {
  return ((vp.beta_min * vp.beta_min + 2 * vp.beta_d * (1 + sigma.square()).log()).sqrt() - vp.beta_min) / vp.beta_d;
}

PrecondCoefficients ve_coefficients(const torch::Tensor& sigma) {
  return {torch::ones_like(sigma), sigma, torch::ones_like(sigma), (0.5 * sigma).log()};
}

PrecondCoefficients iddpm_coefficients(const IddpmPrecondArguments& iddpm, const torch::Tensor& u,
                                       const torch::Tensor& sigma) {
  const torch::Tensor j = iddpm_round_sigma_index(u, sigma).to(torch::kFloat32);
  return {torch::ones_like(sigma), -sigma, 1 / (sigma.square() + 1).sqrt(), static_cast<double>(iddpm.M - 1) - j};
}

torch::Tensor iddpm_alpha_bar(const IddpmPrecondArguments& iddpm, int64_t j) {
  // An int64 tensor times a double gives float32 as in the reference's torch.as_tensor(j).
  const torch::Tensor angle =
      torch::scalar_tensor(j, torch::kInt64) * (0.5 * M_PI) / static_cast<double>(iddpm.M) / (iddpm.C_2 + 1);
  return angle.sin().pow(2);
}

torch::Tensor iddpm_u(const IddpmPrecondArguments& iddpm) {
  torch::Tensor u = torch::zeros({iddpm.M + 1});
  for (int64_t j = iddpm.M; j > 0; --j) {
    const torch::Tensor ratio = (iddpm_alpha_bar(iddpm, j - 1) / iddpm_alpha_bar(iddpm, j)).clip(iddpm.C_1);
    u[j - 1] = ((u[j].pow(2) + 1) / ratio - 1).sqrt();
  }
  return u;
}

torch::Tensor iddpm_round_sigma_index(const torch::Tensor& u, const torch::Tensor& sigma) {
  const torch::Tensor index =
      torch::cdist(sigma.to(torch::kFloat32).reshape({1, -1, 1}), u.reshape({1, -1, 1})).argmin(2);
  return index.reshape(sigma.sizes());
}

PrecondCoefficients edm_coefficients(const EdmPrecondArguments& edm, const torch::Tensor& sigma) {
  return {models::c_skip(sigma, edm.sigma_data), models::c_out(sigma, edm.sigma_data),
          models::c_in(sigma, edm.sigma_data), models::c_noise(sigma)};
}

}  // namespace dact::models::edm
