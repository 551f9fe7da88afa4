#include "models/edm/edm_backbone.h"

#include "models/diffusion/class_label_dropout.h"

namespace dact::models::edm {

torch::Tensor training_label_dropout(const torch::Tensor& class_labels, int64_t n, double label_dropout,
                                     bool training) {
  if (!training || label_dropout == 0) return class_labels;
  // One draw per batch row, as the reference's rand([x.shape[0], 1]).
  return drop_class_labels(class_labels, label_dropout, torch::rand({n}, class_labels.options()));
}

}  // namespace dact::models::edm
