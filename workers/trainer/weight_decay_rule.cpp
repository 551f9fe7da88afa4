#include "workers/trainer/weight_decay_rule.h"

#include <algorithm>
#include <sstream>

namespace dact::workers::trainer {

std::vector<std::string> default_no_weight_decay_names() {
  return {"pos_embed",  "embedding_table", "class_emb", "cls_token",
          "mask_token", "encoder_pos_embed_learned", "decoder_pos_embed_learned",
          "diffusion_pos_embed_learned"};
}

bool applies_weight_decay(const std::string& name, const torch::Tensor& param,
                          const std::vector<std::string>& no_decay_names) {
  if (param.dim() <= 1) return false;
  std::istringstream components(name);
  for (std::string component; std::getline(components, component, '.');) {
    if (std::find(no_decay_names.begin(), no_decay_names.end(), component) != no_decay_names.end()) return false;
  }
  return true;
}

}  // namespace dact::workers::trainer
