#include "models/diffusion/class_label_dropout.h"

namespace dact::models {

torch::Tensor drop_class_labels(const torch::Tensor& class_labels, double p, const torch::Tensor& u) {
  const torch::Tensor keep = (u.reshape({-1, 1}) >= p).to(class_labels.scalar_type());
  return class_labels * keep;
}

torch::Tensor drop_class_labels(const torch::Tensor& class_labels, double p,
                                std::optional<at::Generator> generator) {
  const int64_t n = class_labels.size(0);
  const torch::Tensor u = generator ? torch::rand({n}, *generator) : torch::rand({n});
  return drop_class_labels(class_labels, p, u);
}

torch::Tensor drop_class_indices(const torch::Tensor& labels, double p, int64_t null_class, at::Generator& generator) {
  const torch::Tensor drop = torch::rand({labels.size(0)}, generator) < p;
  return torch::where(drop, torch::full_like(labels, null_class), labels);
}

}  // namespace dact::models
