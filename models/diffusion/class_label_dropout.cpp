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

}  // namespace dact::models
