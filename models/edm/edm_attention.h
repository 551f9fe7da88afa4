#pragma once
// EDM's AttentionOp (NVlabs/edm training/networks.py): the attention weights
// softmax_k(q . k / sqrt(C)), computed in float32 whatever the input dtype. The
// reference writes the backward by hand only to save memory; autograd's (and forward-
// mode AD's) derivative of this expression is the same function.
#include <torch/torch.h>

namespace dact::models::edm {

// q, k: [N, C, Q], [N, C, K] -> weights [N, Q, K] in q's dtype, rows summing to 1.
torch::Tensor attention_weights(const torch::Tensor& q, const torch::Tensor& k);

}  // namespace dact::models::edm
