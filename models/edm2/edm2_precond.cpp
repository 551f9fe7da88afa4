#include "models/edm2/edm2_precond.h"

#include "models/diffusion/edm_preconditioning.h"

namespace dact::models {

Edm2PrecondImpl::Edm2PrecondImpl(const Edm2PrecondConfig& config) : config_(config) {
  unet_ = register_module("unet", Edm2UNet(config.unet));
  logvar_fourier_ = register_module("logvar_fourier", MPFourier(config.logvar_channels));
  logvar_linear_ = register_module("logvar_linear",
                                   MPConv(config.logvar_channels, 1, std::vector<int64_t>{}));
}

Edm2Output Edm2PrecondImpl::forward(const torch::Tensor& x_in, const torch::Tensor& sigma_in,
                                    const torch::Tensor& class_labels_in) {
  const double sigma_data = config_.sigma_data;
  const int64_t label_dim = config_.unet.label_dim;
  const torch::Tensor x = x_in.to(torch::kFloat32);
  const torch::Tensor sigma = sigma_in.to(torch::kFloat32).reshape({-1, 1, 1, 1});
  torch::Tensor class_labels;
  if (label_dim != 0) {
    class_labels = class_labels_in.defined()
                       ? class_labels_in.to(torch::kFloat32).reshape({-1, label_dim})
                       : torch::zeros({1, label_dim}, x.options());
  }

  const torch::Tensor noise = c_noise(sigma.flatten());
  const torch::Tensor F_x = unet_(c_in(sigma, sigma_data) * x, noise, class_labels);
  const torch::Tensor D_x = c_skip(sigma, sigma_data) * x + c_out(sigma, sigma_data) * F_x;
  const torch::Tensor logvar = logvar_linear_(logvar_fourier_(noise)).reshape({-1, 1, 1, 1});
  return {D_x, logvar};
}

}  // namespace dact::models
