#pragma once
// EDM2's preconditioned denoiser with uncertainty estimate (NVlabs/edm2
// training/networks_edm2.py Precond): D(x; sigma) from the U-Net under EDM
// preconditioning, and logvar = u(sigma) (EDM2 Eq. 21) from Fourier features of
// c_noise. State-dict names: unet.*, logvar_fourier.*, logvar_linear.weight.
// Runs in float32 (the reference's use_fp16 only applies on CUDA; dact refuses it).
#include <torch/torch.h>

#include "models/edm2/edm2_layers.h"
#include "models/edm2/edm2_unet.h"

namespace dact::models {

// Precond constructor arguments with the reference defaults.
struct Edm2PrecondConfig {
  Edm2UNetConfig unet;
  double sigma_data = 0.5;
  int64_t logvar_channels = 128;
};

struct Edm2Output {
  torch::Tensor D;       // [N, C, H, W] denoised image
  torch::Tensor logvar;  // [N, 1, 1, 1] learned uncertainty u(sigma)
};

class Edm2PrecondImpl : public torch::nn::Module {
 public:
  explicit Edm2PrecondImpl(const Edm2PrecondConfig& config);
  // x: [N, C, H, W] noisy images, sigma: [N] (or anything with N elements),
  // class_labels: [N, label_dim] one-hot; undefined means the zero label.
  Edm2Output forward(const torch::Tensor& x, const torch::Tensor& sigma,
                     const torch::Tensor& class_labels = {});

  const Edm2PrecondConfig& config() const { return config_; }

 private:
  Edm2PrecondConfig config_;
  Edm2UNet unet_{nullptr};
  MPFourier logvar_fourier_{nullptr};
  MPConv logvar_linear_{nullptr};
};
TORCH_MODULE(Edm2Precond);

}  // namespace dact::models
