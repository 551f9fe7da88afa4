#include "workers/ema/posthoc_coefficients.h"

#include <stdexcept>
#include <string>

#include "workers/ema/phema.h"

namespace dact::workers::ema {

// phema.py solve_posthoc_coefficients: X = solve(A, B), A = <in_i, in_j>,
// B = <in_i, out_k>, then X / X.sum(axis=0).
torch::Tensor solve_posthoc_coefficients(const std::vector<double>& in_ofs,
                                         const std::vector<double>& in_std, double out_ofs,
                                         const std::vector<double>& out_std) {
  if (in_ofs.empty() || in_ofs.size() != in_std.size()) {
    throw std::invalid_argument("post-hoc EMA: expected as many input times as input stds (" +
                                std::to_string(in_ofs.size()) + " vs " +
                                std::to_string(in_std.size()) + "), at least one");
  }
  if (out_std.empty()) throw std::invalid_argument("post-hoc EMA: no output std given");
  for (double ofs : in_ofs) {
    if (!(ofs > 0)) throw std::invalid_argument("post-hoc EMA: input times must be positive");
  }
  if (!(out_ofs > 0)) throw std::invalid_argument("post-hoc EMA: output time must be positive");

  const auto num_in = static_cast<int64_t>(in_ofs.size());
  const auto num_out = static_cast<int64_t>(out_std.size());
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor A = torch::empty({num_in, num_in}, options);
  torch::Tensor B = torch::empty({num_in, num_out}, options);
  auto a = A.accessor<double, 2>();
  auto b = B.accessor<double, 2>();
  for (int64_t i = 0; i < num_in; ++i) {
    for (int64_t j = 0; j < num_in; ++j) {
      a[i][j] = power_function_correlation(in_ofs[i], in_std[i], in_ofs[j], in_std[j]);
    }
    for (int64_t k = 0; k < num_out; ++k) {
      b[i][k] = power_function_correlation(in_ofs[i], in_std[i], out_ofs, out_std[k]);
    }
  }
  torch::Tensor X;
  try {
    X = torch::linalg::solve(A, B, /*left=*/true);
  } catch (const c10::Error&) {
    throw std::invalid_argument(
        "post-hoc EMA: the input profiles are linearly dependent (repeated (nimg, std) pair?)");
  }
  return X / X.sum(0, /*keepdim=*/true);
}

}  // namespace dact::workers::ema
