// Named EDM2 sizes: the published ones have the published parameter counts
// (EDM2 Table 2: XS 125M), unknown names are rejected with the known ones listed.
#include <gtest/gtest.h>

#include "models/edm2/edm2_configs.h"

namespace dact::models {
namespace {

int64_t parameter_count(const Edm2PrecondConfig& config) {
  torch::NoGradGuard no_grad;
  Edm2Precond model(config);
  int64_t count = 0;
  for (const torch::Tensor& p : model->parameters()) count += p.numel();
  return count;
}

TEST(Edm2Configs, Img512XsHasThePublishedSize) {
  const Edm2PrecondConfig config = edm2_named_config("edm2-img512-xs");
  EXPECT_NEAR(static_cast<double>(parameter_count(config)), 125e6, 0.5e6);
}

TEST(Edm2Configs, FashionTinyMapsImagesToImages) {
  Edm2Precond model(edm2_named_config("edm2-fashion-tiny"));
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({2, 1, 32, 32});
  const Edm2Output out = model->forward(x, torch::tensor({0.5f, 2.0f}),
                                        torch::one_hot(torch::tensor({1, 7}), 10));
  EXPECT_EQ(out.D.sizes(), x.sizes());
  EXPECT_EQ(out.logvar.sizes(), (std::vector<int64_t>{2, 1, 1, 1}));
}

TEST(Edm2Configs, UnknownNameListsTheKnownOnes) {
  try {
    edm2_named_config("edm2-img512-huge");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("edm2-img64-s"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dact::models
