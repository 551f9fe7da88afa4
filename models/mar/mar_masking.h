#pragma once
// MAR's masking (Li et al. 2024, Sec. 3.3; LTH14/mar models/mar.py): training masks a
// random fraction of each sample's tokens along a random order; generation unmasks them
// along the order over num_iter rounds on MaskGIT's cosine schedule.
#include <torch/torch.h>

#include <vector>

namespace dact::models {

// One mask ratio per batch from MAR's left-half truncated normal: centre 1, std 0.25,
// support [mask_ratio_min, 1] (scipy truncnorm by its inverse CDF, one uniform draw).
double draw_mask_ratio(double mask_ratio_min, at::Generator& generator);

// A random permutation of [0, seq) per row: [n, seq] int64.
torch::Tensor random_orders(int64_t n, int64_t seq, at::Generator& generator);

// 1 at the first `mask_len` tokens of each row's order, else 0: float [n, seq].
torch::Tensor mask_by_order(const torch::Tensor& orders, int64_t mask_len);

// Tokens still masked after each of the num_iter rounds (the last is 0):
// floor(seq cos(pi/2 (k + 1) / num_iter)), at least one token predicted per round and at
// least one left for the rounds still to come. Throws std::invalid_argument unless
// 1 <= num_iter <= seq.
std::vector<int64_t> tokens_left_masked(int64_t seq, int64_t num_iter);

}  // namespace dact::models
