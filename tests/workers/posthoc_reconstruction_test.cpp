#include "workers/ema/posthoc_reconstruction.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "workers/ema/ema_snapshot.h"
#include "workers/ema/posthoc_coefficients.h"

namespace dact::workers::ema {
namespace {

namespace fs = std::filesystem;

// Three snapshots with two random tracks each; the reconstruction must be the
// coefficient-weighted sum of the stored tracks (EDM2 Algorithm 3), and asking for a
// stored profile at its own time must give that track back.
TEST(PosthocReconstruction, CombinesStoredTracksWithTheSolvedCoefficients) {
  const fs::path dir = fs::temp_directory_path() / ("dact_phema_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  torch::manual_seed(0);
  std::vector<std::string> paths;
  std::vector<torch::Tensor> stored;  // w of each (snapshot, track), in input order
  const std::vector<double> stds{0.05, 0.1};
  for (int64_t i = 1; i <= 3; ++i) {
    EmaSnapshot snapshot;
    snapshot.step = i * 100;
    snapshot.nimg = i * 6400;
    snapshot.stds = stds;
    snapshot.model = {{"arch", "test"}};
    snapshot.config_hash = "h";
    for (size_t t = 0; t < stds.size(); ++t) {
      stored.push_back(torch::randn({3, 4}));
      snapshot.tracks.push_back({{"w", stored.back()}});
    }
    snapshot.buffers["b"] = torch::arange(3);
    paths.push_back((dir / ("snapshot-" + std::to_string(i) + ".h5")).string());
    write_ema_snapshot(paths.back(), snapshot);
  }

  const std::vector<double> out_std{0.1, 0.07};
  const auto outputs = reconstruct_posthoc_ema(paths, out_std, 0, (dir / "out").string());
  ASSERT_EQ(outputs.size(), 2u);
  const torch::Tensor X = solve_posthoc_coefficients({6400, 6400, 12800, 12800, 19200, 19200},
                                                     {0.05, 0.1, 0.05, 0.1, 0.05, 0.1}, 19200, out_std);
  for (size_t k = 0; k < out_std.size(); ++k) {
    torch::Tensor expected = torch::zeros({3, 4}, torch::kFloat64);
    for (size_t i = 0; i < stored.size(); ++i) expected += X[i][k].item<double>() * stored[i].to(torch::kFloat64);
    const EmaSnapshot output = read_ema_snapshot(outputs[k].path);
    EXPECT_EQ(output.stds, std::vector<double>{out_std[k]});
    EXPECT_EQ(output.nimg, 19200);
    EXPECT_TRUE(torch::equal(output.buffers.at("b"), torch::arange(3)));
    EXPECT_TRUE(torch::allclose(output.tracks[0].at("w").to(torch::kFloat64), expected, 1e-6, 1e-6));
  }
  // std 0.1 at the newest snapshot's time is exactly its stored 0.1 track.
  EXPECT_TRUE(torch::allclose(read_ema_snapshot(outputs[0].path).tracks[0].at("w"), stored[5], 1e-6, 1e-7));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dact::workers::ema
