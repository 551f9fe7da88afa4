#include "models/reference_forward.h"

#include <stdexcept>

#include "models/autoencoder/kl_autoencoder_forward.h"
#include "models/dit/dit_forward.h"
#include "models/edm/edm_forward.h"
#include "models/edm2/edm2_forward.h"
#include "models/mar/mar_forward.h"

namespace dact::models {

const torch::Tensor& ForwardInputs::required(const std::string& name) const {
  const auto found = tensors_.find(name);
  if (found == tensors_.end()) throw std::invalid_argument("missing input '" + name + "'");
  return found->second;
}

torch::Tensor ForwardInputs::optional(const std::string& name) const {
  const auto found = tensors_.find(name);
  return found == tensors_.end() ? torch::Tensor() : found->second;
}

const std::vector<ReferenceForward>& reference_forwards() {
  static const std::vector<ReferenceForward> forwards{edm2_precond_forward(), edm::edm_precond_forward(),
                                                       dit_forward(), autoencoder::kl_autoencoder_forward(),
                                                       mar_forward()};
  return forwards;
}

}  // namespace dact::models
