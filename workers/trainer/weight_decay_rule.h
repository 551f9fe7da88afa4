#pragma once
// Which parameters AdamW's decoupled weight decay applies to. The rule of DiT/MAR/timm
// training scripts, made explicit: no decay for
//   - every parameter with ndim <= 1 (biases, norm weights and gains, scalars), and
//   - every parameter whose name has a dot-separated component listed in
//     `no_decay_names` (embedding tables, learned position embeddings, tokens),
// decay for everything else (conv and linear weights). Decaying an embedding table
// would pull the rows of rarely seen classes to zero; decaying a gain or bias changes
// what a layer computes rather than regularizing it.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace dact::workers::trainer {

// The names the rule exempts by default: DiT's y_embedder.embedding_table and
// pos_embed, MAR's class_emb, mask/cls tokens and learned position embeddings.
std::vector<std::string> default_no_weight_decay_names();

bool applies_weight_decay(const std::string& name, const torch::Tensor& param,
                          const std::vector<std::string>& no_decay_names);

}  // namespace dact::workers::trainer
