#include "models/edm/edm_precond.h"

#include "models/edm/edm_precond_coefficients.h"

namespace dact::models::edm {
namespace {

// The backbone with the image shape and label count the preconditioner passes on;
// iDDPM's network also predicts a variance, so it has twice the image channels.
std::shared_ptr<Backbone> make_backbone(const EdmPrecondConfig& config) {
  const int64_t out_channels = config.img_channels * (config.precond == PrecondKind::iddpm ? 2 : 1);
  if (config.backbone() == ModelType::song_unet) {
    SongUNetConfig song = config.song_unet;
    song.img_resolution = config.img_resolution;
    song.in_channels = config.img_channels;
    song.out_channels = out_channels;
    song.label_dim = config.label_dim;
    return std::make_shared<SongUNetImpl>(song);
  }
  DhariwalUNetConfig adm = config.dhariwal_unet;
  adm.img_resolution = config.img_resolution;
  adm.in_channels = config.img_channels;
  adm.out_channels = out_channels;
  adm.label_dim = config.label_dim;
  return std::make_shared<DhariwalUNetImpl>(adm);
}

}  // namespace

EdmPrecondImpl::EdmPrecondImpl(const EdmPrecondConfig& config) : config_(config) {
  model_ = register_module("model", make_backbone(config));
  if (config.precond == PrecondKind::iddpm) u_ = register_buffer("u", iddpm_u(config.iddpm));
}

torch::Tensor EdmPrecondImpl::forward(const torch::Tensor& x_in, const torch::Tensor& sigma_in,
                                      const torch::Tensor& class_labels_in, const torch::Tensor& augment_labels) {
  const int64_t label_dim = config_.label_dim;
  const torch::Tensor x = x_in.to(torch::kFloat32);
  const torch::Tensor sigma = sigma_in.to(torch::kFloat32).reshape({-1, 1, 1, 1});
  torch::Tensor class_labels;
  if (label_dim != 0) {
    class_labels = class_labels_in.defined() ? class_labels_in.to(torch::kFloat32).reshape({-1, label_dim})
                                             : torch::zeros({1, label_dim}, x.options());
  }

  PrecondCoefficients c;
  switch (config_.precond) {
    case PrecondKind::vp:
      c = vp_coefficients(config_.vp, sigma);
      break;
    case PrecondKind::ve:
      c = ve_coefficients(sigma);
      break;
    case PrecondKind::iddpm:
      c = iddpm_coefficients(config_.iddpm, u_, sigma);
      break;
    case PrecondKind::edm:
      c = edm_coefficients(config_.edm, sigma);
      break;
  }
  torch::Tensor F_x = model_->forward(c.c_in * x, c.c_noise.flatten(), class_labels, augment_labels);
  if (config_.precond == PrecondKind::iddpm) F_x = F_x.slice(1, 0, config_.img_channels);
  return c.c_skip * x + c.c_out * F_x;  // EDM Eq. 7
}

double EdmPrecondImpl::sigma_min() const {
  switch (config_.precond) {
    case PrecondKind::vp:
      // Evaluated in float32 like the reference's float(self.sigma(epsilon_t)).
      return vp_sigma(config_.vp, torch::scalar_tensor(config_.vp.epsilon_t, torch::kFloat32)).item<double>();
    case PrecondKind::ve:
      return config_.ve.sigma_min;
    case PrecondKind::iddpm:
      return u_[config_.iddpm.M - 1].item<double>();
    case PrecondKind::edm:
      return config_.edm.sigma_min;
  }
  return 0;
}

double EdmPrecondImpl::sigma_max() const {
  switch (config_.precond) {
    case PrecondKind::vp:
      return vp_sigma(config_.vp, torch::scalar_tensor(1, torch::kInt64)).item<double>();
    case PrecondKind::ve:
      return config_.ve.sigma_max;
    case PrecondKind::iddpm:
      return u_[0].item<double>();
    case PrecondKind::edm:
      return config_.edm.sigma_max;
  }
  return 0;
}

torch::Tensor EdmPrecondImpl::round_sigma(const torch::Tensor& sigma) const {
  if (config_.precond != PrecondKind::iddpm) return sigma;
  return u_.index({iddpm_round_sigma_index(u_, sigma).flatten()}).reshape(sigma.sizes()).to(sigma.scalar_type());
}

}  // namespace dact::models::edm
