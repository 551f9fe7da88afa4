#pragma once
// Families whose network maps an image back to itself (autoencoders) rather than
// sampling from noise. What such a model is judged by is how well it reconstructs, so
// its preview (workers/ema/reconstruction_grid.h) and its evaluation
// (workers/evaluator/reconstruction_job.h) show held-out images and their
// reconstructions where other families show samples. A family's Model and ModelSpec
// derive from these besides Model / ModelSpec to say so; family.h stays as it is.
#include <torch/torch.h>

#include "models/family.h"

namespace dact::models {

class AutoencodingModel {
 public:
  virtual ~AutoencodingModel() = default;
  // images in model space [N, C, H, W] -> their reconstructions, same shape, decoded from
  // the posterior mean (deterministic: a function of the weights and images alone), in
  // eval mode and without gradient.
  virtual torch::Tensor reconstruct(const torch::Tensor& images) = 0;
};

// Marks the ModelSpec of an autoencoding family (what the launcher needs before any
// network exists: which reference statistics and which preview a run gets).
class AutoencodingSpec {
 public:
  virtual ~AutoencodingSpec() = default;
};

// The model as an autoencoder, or nullptr for a family that samples.
inline AutoencodingModel* as_autoencoding(Model& model) { return dynamic_cast<AutoencodingModel*>(&model); }
inline bool is_autoencoding(const ModelSpec& spec) { return dynamic_cast<const AutoencodingSpec*>(&spec) != nullptr; }

}  // namespace dact::models
