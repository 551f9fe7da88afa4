#include "workers/ema/posthoc_reconstruction.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "storage/nimg_name.h"
#include "storage/tensor_file.h"
#include "workers/ema/ema_snapshot.h"
#include "workers/ema/posthoc_coefficients.h"

namespace dact::workers::ema {

std::vector<ReconstructedEma> reconstruct_posthoc_ema(const std::vector<std::string>& snapshot_paths,
                                                      const std::vector<double>& out_std,
                                                      double out_nimg, const std::string& out_dir) {
  if (snapshot_paths.empty()) throw std::invalid_argument("post-hoc EMA needs at least one snapshot");
  // Every (snapshot, track) pair is one input profile; metadata alone gives their times.
  std::vector<double> in_nimg, in_std;
  for (const std::string& path : snapshot_paths) {
    const nlohmann::json metadata = storage::read_tensor_file_metadata(path);
    for (double std : metadata.at("stds").get<std::vector<double>>()) {
      in_nimg.push_back(metadata.at("nimg").get<double>());
      in_std.push_back(std);
    }
  }
  if (out_nimg <= 0) out_nimg = *std::max_element(in_nimg.begin(), in_nimg.end());
  const torch::Tensor coefficients = solve_posthoc_coefficients(in_nimg, in_std, out_nimg, out_std);
  const auto weight = coefficients.accessor<double, 2>();

  std::vector<storage::NamedTensors> sums(out_std.size());  // float64 accumulators
  std::map<std::string, torch::Dtype> stored_dtype;
  EmaSnapshot last;
  size_t input = 0;
  for (const std::string& path : snapshot_paths) {
    last = read_ema_snapshot(path);
    for (const storage::NamedTensors& track : last.tracks) {
      for (size_t k = 0; k < out_std.size(); ++k) {
        for (const auto& [name, tensor] : track) {
          stored_dtype[name] = tensor.scalar_type();
          const torch::Tensor term = tensor.to(torch::kFloat64) * weight[input][k];
          auto [entry, inserted] = sums[k].emplace(name, term);
          if (!inserted) entry->second.add_(term);
        }
      }
      ++input;
    }
    last.tracks.clear();
    last.classic.clear();  // the outputs hold only their reconstructed track
  }

  std::filesystem::create_directories(out_dir);
  std::vector<ReconstructedEma> outputs;
  for (size_t k = 0; k < out_std.size(); ++k) {
    EmaSnapshot output = last;
    output.nimg = std::llround(out_nimg);  // --out-kimg 0.064 is 64 images, not 63.99...
    output.stds = {out_std[k]};
    storage::NamedTensors weights;
    for (const auto& [name, sum] : sums[k]) weights[name] = sum.to(stored_dtype.at(name));
    output.tracks = {std::move(weights)};
    const std::string path =
        fmt::format("{}/phema-{}-{:.3f}.h5", out_dir, storage::nimg_name(output.nimg), out_std[k]);
    write_ema_snapshot(path, output);
    outputs.push_back({out_std[k], path});
  }
  return outputs;
}

}  // namespace dact::workers::ema
