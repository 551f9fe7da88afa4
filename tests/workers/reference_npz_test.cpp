// Reference statistics to and from EDM's/ADM's .npz layout: imported mu and sigma are the
// statistics' mean and covariance (to float64 rounding), FD against themselves is 0,
// export gives them back; a reference batch (ADM's arr_0) becomes reference features;
// mu of another feature dimension is refused naming the file.
#include "workers/evaluator/reference_npz.h"

#include <gtest/gtest.h>

#include "models/metrics/frechet_distance.h"
#include "storage/npz_file.h"
#include "storage/storage_error.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tiny_feature_network.h"

namespace dact::workers::evaluator {
namespace {

TEST(ReferenceNpz, ImportedMomentsAreMuAndSigmaAndExportGivesThemBack) {
  dact::testing::TempDir dir("dact_reference_npz");
  const auto net = dact::testing::tiny_feature_network(3, 8);
  const int64_t d = net->dim();
  const torch::Tensor mu = torch::linspace(-1, 2, d, torch::kFloat64);
  const torch::Tensor a = torch::arange(d * d, torch::kFloat64).reshape({d, d}).sin();
  const torch::Tensor sigma = a.matmul(a.t()) / d + torch::eye(d, torch::kFloat64);
  const torch::Tensor images = torch::arange(5 * 8 * 8 * 3, torch::kInt64).remainder(251).to(torch::kUInt8).reshape({5, 8, 8, 3});
  storage::write_npz(dir / "adm.npz", {{"mu", mu}, {"sigma", sigma}, {"arr_0", images}});

  const ReferenceStatistics reference = import_reference_npz(dir / "adm.npz", *net, 50000, 2);
  EXPECT_EQ(reference.feature_net, net->name());
  EXPECT_EQ(reference.stats.count, 50000);
  EXPECT_TRUE(torch::allclose(reference.stats.mean(), mu, 1e-13, 1e-13));
  EXPECT_TRUE(torch::allclose(reference.stats.covariance(), sigma, 1e-10, 1e-10));
  EXPECT_NEAR(models::metrics::frechet_distance(reference.stats.mean(), reference.stats.covariance(), mu, sigma), 0, 1e-8);
  // The reference batch, NHWC as ADM stores it, through the feature net as NCHW.
  ASSERT_EQ(reference.features.sizes(), (std::vector<int64_t>{5, d}));
  EXPECT_TRUE(torch::allclose(reference.features, net->features(images.permute({0, 3, 1, 2}).contiguous())));

  export_reference_npz(reference, dir / "edm.npz");
  const auto exported = storage::read_npz(dir / "edm.npz");
  EXPECT_EQ(exported.size(), 2u);
  EXPECT_TRUE(torch::allclose(exported.at("mu"), mu, 1e-13, 1e-13));
  EXPECT_TRUE(torch::allclose(exported.at("sigma"), sigma, 1e-10, 1e-10));
}

TEST(ReferenceNpz, StatisticsOfAnotherFeatureDimensionAreRefused) {
  dact::testing::TempDir dir("dact_reference_npz");
  const auto net = dact::testing::tiny_feature_network(3, 8);
  storage::write_npz(dir / "inception.npz",
                     {{"mu", torch::zeros({2048}, torch::kFloat64)}, {"sigma", torch::eye(2048, torch::kFloat64)}});
  try {
    import_reference_npz(dir / "inception.npz", *net, 50000, 2);
    ADD_FAILURE() << "imported";
  } catch (const storage::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("inception.npz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("d = 16"), std::string::npos) << e.what();
  }
  storage::write_npz(dir / "no_sigma.npz", {{"mu", torch::zeros({16}, torch::kFloat64)}});
  EXPECT_THROW(import_reference_npz(dir / "no_sigma.npz", *net, 50000, 2), storage::StorageError);
}

}  // namespace
}  // namespace dact::workers::evaluator
