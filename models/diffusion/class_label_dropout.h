#pragma once
// Class-label dropout for classifier-free guidance (Ho & Salimans 2022, "Classifier-Free
// Diffusion Guidance", Alg. 1): with probability p a sample's one-hot label is replaced
// by the all-zero label, the unconditional input of EDM/EDM2 networks (as in EDM's
// networks.py label_dropout: labels * (u >= p)).
#include <torch/torch.h>

#include <optional>

namespace dact::models {

// class_labels: [N, label_dim]; u: [N] uniform draws in [0, 1); rows with u < p become 0.
torch::Tensor drop_class_labels(const torch::Tensor& class_labels, double p, const torch::Tensor& u);

// As above with u ~ U[0, 1) drawn from `generator` (the default one if none).
torch::Tensor drop_class_labels(const torch::Tensor& class_labels, double p,
                                std::optional<at::Generator> generator = std::nullopt);

// DiT's form: int64 class indices [N]; rows with u < p (u ~ U[0, 1) from `generator`)
// become `null_class` (DiT's LabelEmbedder token_drop).
torch::Tensor drop_class_indices(const torch::Tensor& labels, double p, int64_t null_class, at::Generator& generator);

}  // namespace dact::models
