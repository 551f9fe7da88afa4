#pragma once
// Gradient-norm clipping exactly as torch.nn.utils.clip_grad_norm_ (PyTorch 1.13,
// norm_type 2) computes it, op for op, so a run clips bit for bit as the Python
// reference would. The trainer applies it to the all-reduced gradients (every trainer
// holds the same ones, so every trainer clips the same way).
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace dact::workers::trainer {

// The global L2 norm ||(||g_1||_2, ..., ||g_n||_2)||_2 over every defined gradient (a
// float scalar tensor of the gradients' dtype); 0 when there is none.
torch::Tensor global_grad_norm(const std::vector<std::pair<std::string, torch::Tensor>>& params);

// Scales every gradient by min(max_norm / (total_norm + 1e-6), 1) and returns total_norm,
// the norm before clipping. max_norm must be > 0.
double clip_grad_norm(const std::vector<std::pair<std::string, torch::Tensor>>& params, double max_norm);

}  // namespace dact::workers::trainer
