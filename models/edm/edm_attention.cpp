#include "models/edm/edm_attention.h"

#include <cmath>

namespace dact::models::edm {

torch::Tensor attention_weights(const torch::Tensor& q, const torch::Tensor& k) {
  const double sqrt_channels = std::sqrt(static_cast<double>(k.size(1)));
  const torch::Tensor logits =
      torch::einsum("ncq,nck->nqk", {q.to(torch::kFloat32), (k / sqrt_channels).to(torch::kFloat32)});
  return logits.softmax(2).to(q.scalar_type());
}

}  // namespace dact::models::edm
