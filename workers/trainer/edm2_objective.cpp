#include "workers/trainer/edm2_objective.h"

#include "models/diffusion/class_label_dropout.h"

namespace dact::workers::trainer {

torch::Tensor pixels_to_model_space(const torch::Tensor& pixels_uint8) {
  return pixels_uint8.to(torch::kFloat32).div(127.5).sub(1);
}

torch::Tensor model_space_to_pixels(const torch::Tensor& images) {
  return images.add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8);
}

torch::Tensor edm2_micro_batch_loss(models::Edm2Precond& net, const torch::Tensor& images,
                                    const torch::Tensor& labels, const Edm2ObjectiveConfig& config,
                                    double scale, at::Generator& generator) {
  const int64_t batch = images.size(0);
  const double sigma_data = net->config().sigma_data;
  const torch::Tensor sigma = models::sample_sigma(batch, config.sigma_distribution, generator);
  const torch::Tensor noise = torch::randn(images.sizes(), generator, images.options()) * sigma;
  torch::Tensor class_labels;
  const int64_t label_dim = net->config().unet.label_dim;
  if (label_dim > 0) {
    class_labels = torch::one_hot(labels, label_dim).to(torch::kFloat32);
    if (config.label_dropout > 0) {
      class_labels = models::drop_class_labels(class_labels, config.label_dropout, generator);
    }
  }
  const models::Edm2Output out = net->forward(images + noise, sigma, class_labels);
  return models::edm2_loss(out.D, images, sigma, out.logvar, sigma_data).sum() * scale;
}

}  // namespace dact::workers::trainer
