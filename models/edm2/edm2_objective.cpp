#include "models/edm2/edm2_objective.h"

#include "models/diffusion/class_label_dropout.h"

namespace dact::models {

PerSampleSigmaLoss edm2_per_sample_loss(Edm2Precond& net, const torch::Tensor& images, const torch::Tensor& labels,
                                   const Edm2ObjectiveConfig& config, at::Generator& generator) {
  const int64_t batch = images.size(0);
  const double sigma_data = net->config().sigma_data;
  const torch::Tensor sigma = sample_sigma(batch, config.sigma_distribution, generator);
  const torch::Tensor noise = torch::randn(images.sizes(), generator, images.options()) * sigma;
  torch::Tensor class_labels;
  const int64_t label_dim = net->config().unet.label_dim;
  if (label_dim > 0) {
    class_labels = torch::one_hot(labels, label_dim).to(torch::kFloat32);
    if (config.label_dropout > 0) class_labels = drop_class_labels(class_labels, config.label_dropout, generator);
  }
  const Edm2Output out = net->forward(images + noise, sigma, class_labels);
  return {edm2_loss(out.D, images, sigma, out.logvar, sigma_data).flatten(1).sum(1), sigma.flatten()};
}

}  // namespace dact::models
