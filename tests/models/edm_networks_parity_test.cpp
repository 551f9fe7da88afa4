// EDM's networks (NVlabs/edm training/networks.py) against the original PyTorch code:
// ../shared/reference/edm_{ddpmpp_vp,ncsnpp_ve,adm_edm}_tiny.h5 hold VPPrecond(SongUNet
// as DDPM++), VEPrecond(SongUNet as NCSN++) and EDMPrecond(DhariwalUNet) with random
// weights and their eval-mode D. The rows span sigma 0.002 .. 80, so each row is
// compared by its own magnitude: max|ours_i - ref_i| / max|ref_i| <= 1e-4 (float32).
// iDDPMPrecond has no reference file; its sigma table u is checked against the
// recursion evaluated in float64.
#include <gtest/gtest.h>
#include <torch/csrc/autograd/forward_grad.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <string>

#include "config/config_reader.h"
#include "models/edm/edm_arguments.h"
#include "models/edm/edm_precond.h"
#include "models/edm/edm_precond_coefficients.h"
#include "models/state_dict.h"
#include "storage/h5_tensor_io.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

namespace dact::models::edm {
namespace {

constexpr double kEdmNetworksTolerance = 1e-4;

struct EdmReference {
  EdmPrecondConfig config;
  std::map<std::string, torch::Tensor> tensors;  // weights/*, input/*, output/*
};

EdmReference read_edm_reference(const std::string& name) {
  const H5::H5File file = storage::open_h5_for_reading(dact::testing::reference_file(name));
  EdmReference reference;
  const nlohmann::json json = nlohmann::json::parse(storage::read_h5_string_attribute(file, "config"));
  config::ConfigReader reader(json, "");
  read_edm_precond_arguments(reader, reference.config);
  reader.finish();
  reference.tensors = storage::read_h5_tensors(file);
  return reference;
}

std::map<std::string, torch::Tensor> edm_reference_weights(const EdmReference& reference) {
  std::map<std::string, torch::Tensor> weights;
  for (const auto& [name, tensor] : reference.tensors) {
    if (name.rfind("weights/", 0) == 0) weights.emplace(name.substr(8), tensor);
  }
  return weights;
}

class EdmNetworksParity : public ::testing::TestWithParam<std::string> {};

TEST_P(EdmNetworksParity, EvalForwardMatchesEveryRow) {
  const EdmReference reference = read_edm_reference(GetParam());
  EdmPrecond model(reference.config);
  // Throws on a missing, unexpected or misshapen name: the state dict is the reference's.
  load_state_dict(*model, edm_reference_weights(reference));
  model->eval();
  torch::NoGradGuard no_grad;
  const auto labels = reference.tensors.find("input/class_labels");
  const torch::Tensor D = model->forward(reference.tensors.at("input/x"), reference.tensors.at("input/sigma"),
                                         labels == reference.tensors.end() ? torch::Tensor() : labels->second);
  const torch::Tensor& expected = reference.tensors.at("output/D");
  ASSERT_EQ(D.sizes(), expected.sizes());
  for (int64_t i = 0; i < expected.size(0); ++i) {
    const double error = dact::testing::max_relative_error(D[i], expected[i]);
    EXPECT_LE(error, kEdmNetworksTolerance)
        << "row " << i << " sigma " << reference.tensors.at("input/sigma")[i].item<double>();
    std::cout << GetParam() << " row " << i << ": relative error " << error << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(ReferenceFiles, EdmNetworksParity,
                         ::testing::Values("edm_ddpmpp_vp_tiny.h5", "edm_ncsnpp_ve_tiny.h5", "edm_adm_edm_tiny.h5"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(4, info.param.size() - 4 - 8);  // ddpmpp_vp, ...
                         });

// The sampler's second-order term needs d/dx and d/dsigma of D from one forward-mode AD
// pass (issue 19), so every layer must propagate tangents. Forward mode must agree with
// reverse mode through u . (J v) = (J^T u) . v for the Jacobian J of each row of D in
// (x, sigma), with v = (dx, dsigma) and a random u. (A finite difference is no check
// here: with random weights, D is far from linear over float32-resolvable steps.)
TEST_P(EdmNetworksParity, ForwardModeJvpAgreesWithReverseMode) {
  const EdmReference reference = read_edm_reference(GetParam());
  EdmPrecond model(reference.config);
  load_state_dict(*model, edm_reference_weights(reference));
  model->eval();
  const auto labels_found = reference.tensors.find("input/class_labels");
  const torch::Tensor labels = labels_found == reference.tensors.end() ? torch::Tensor() : labels_found->second;
  const torch::Tensor x = reference.tensors.at("input/x");
  const torch::Tensor sigma = torch::linspace(0.5, 2.0, x.size(0));
  torch::manual_seed(0);
  const torch::Tensor dx = torch::randn_like(x), dsigma = torch::rand_like(sigma), u = torch::randn_like(x);

  torch::Tensor jvp;
  {
    // A dual level, as Python's torch.autograd.forward_ad.dual_level().
    torch::NoGradGuard no_grad;
    const uint64_t level = torch::autograd::ForwardADLevel::get_next_idx();
    const auto l = static_cast<int64_t>(level);
    const torch::Tensor D = model->forward(at::_make_dual(x, dx, l), at::_make_dual(sigma, dsigma, l), labels);
    jvp = std::get<1>(at::_unpack_dual(D, l)).clone();
    torch::autograd::ForwardADLevel::release_idx(level);
  }
  ASSERT_TRUE(jvp.defined());

  const torch::Tensor x_r = x.clone().requires_grad_(), sigma_r = sigma.clone().requires_grad_();
  (model->forward(x_r, sigma_r, labels) * u).sum().backward();
  for (int64_t i = 0; i < x.size(0); ++i) {
    const double forward = (u[i] * jvp[i]).sum().item<double>();
    const double reverse =
        (x_r.grad()[i] * dx[i]).sum().item<double>() + (sigma_r.grad()[i] * dsigma[i]).item<double>();
    const double scale = (u[i] * jvp[i]).abs().sum().item<double>();
    EXPECT_LE(std::abs(forward - reverse), 1e-4 * scale) << "row " << i << ": " << forward << " vs " << reverse;
  }
}

// u_M = 0, u_{j-1} = sqrt((u_j^2 + 1) / max(alpha_bar(j-1) / alpha_bar(j), C_1) - 1),
// alpha_bar(j) = sin^2(pi j / (2 M (C_2 + 1))) (EDM Table 1, iDDPM), in float64. The
// table is float32 as in the reference, and u_j^2 = (u_j^2 + 1) - 1 cancels at small u,
// so the recursion's state u_j^2 + 1 is compared (float32 keeps it to ~M eps relative).
TEST(EdmIddpmPrecond, SigmaTableFollowsTheCosineScheduleRecursion) {
  const IddpmPrecondArguments iddpm;
  const torch::Tensor u = iddpm_u(iddpm);
  ASSERT_EQ(u.size(0), iddpm.M + 1);
  auto alpha_bar = [&](int64_t j) {
    const double s = std::sin(M_PI * static_cast<double>(j) / (2.0 * static_cast<double>(iddpm.M) * (iddpm.C_2 + 1)));
    return s * s;
  };
  double expected = 0;
  EXPECT_EQ(u[iddpm.M].item<double>(), 0);
  for (int64_t j = iddpm.M; j > 0; --j) {
    expected = std::sqrt((expected * expected + 1) / std::max(alpha_bar(j - 1) / alpha_bar(j), iddpm.C_1) - 1);
    const double ours = u[j - 1].item<double>();
    EXPECT_NEAR(ours * ours + 1, expected * expected + 1, 1e-4 * (expected * expected + 1)) << "j " << j - 1;
  }
  // float(u[M - 1]) and float(u[0]) as NVlabs/edm's iDDPMPrecond() gives them (CPU,
  // PyTorch 1.13): its sigma_min and sigma_max.
  EXPECT_DOUBLE_EQ(u[iddpm.M - 1].item<double>(), 0.006422337144613266);
  EXPECT_DOUBLE_EQ(u[0].item<double>(), 20291.14453125);
}

TEST(EdmIddpmPrecond, RoundsSigmaToTheNearestTableEntryAndConditionsOnItsIndex) {
  EdmPrecondConfig config;
  config.precond = PrecondKind::iddpm;
  config.img_resolution = 8;
  config.dhariwal_unet.model_channels = 16;
  config.dhariwal_unet.channel_mult = {1};
  config.dhariwal_unet.num_blocks = 1;
  config.dhariwal_unet.attn_resolutions = {};
  EdmPrecond model(config);
  const torch::Tensor u = state_dict(*model).at("u");
  EXPECT_DOUBLE_EQ(model->sigma_max(), u[0].item<double>());
  EXPECT_DOUBLE_EQ(model->sigma_min(), u[config.iddpm.M - 1].item<double>());
  const torch::Tensor sigma = torch::stack({u[10] * 1.0001, u[500] * 0.9999, u[998]});
  EXPECT_TRUE(torch::equal(model->round_sigma(sigma), torch::stack({u[10], u[500], u[998]})));
  const PrecondCoefficients c = iddpm_coefficients(config.iddpm, u, sigma.reshape({-1, 1, 1, 1}));
  EXPECT_TRUE(torch::equal(c.c_noise.flatten(), torch::tensor({989.f, 499.f, 1.f})));  // M - 1 - j
}

// sigma^-1(sigma(t)) = t (EDM Table 1, VP), and the reference's supported range.
TEST(EdmVpPrecond, SigmaInverseUndoesSigma) {
  const VpPrecondArguments vp;
  const torch::Tensor t = torch::tensor({0.001, 0.1, 0.5, 1.0}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(vp_sigma_inv(vp, vp_sigma(vp, t)), t, 1e-9, 0));
  // sigma(1) = sqrt(exp(19.9 / 2 + 0.1) - 1) = 152.0 (float32).
  EdmPrecondConfig config;
  config.precond = PrecondKind::vp;
  config.img_resolution = 8;
  config.song_unet.model_channels = 16;
  config.song_unet.channel_mult = {1};
  config.song_unet.num_blocks = 1;
  config.song_unet.attn_resolutions = {};
  EdmPrecond model(config);
  EXPECT_NEAR(model->sigma_max(), std::sqrt(std::exp(19.9 / 2 + 0.1) - 1), 1e-3);
}

TEST(EdmPrecondArguments, RejectsKeysTheChosenPreconditionerOrNetworkDoesNotTake) {
  for (const char* text : {R"({"precond": "ve", "beta_d": 19.9})", R"({"precond": "edm", "embedding_type": "fourier"})",
                           R"({"precond": "vp", "model_type": "DhariwalUNet", "encoder_type": "skip"})"}) {
    const nlohmann::json json = nlohmann::json::parse(text);
    config::ConfigReader reader(json, "model");
    EdmPrecondConfig config;
    read_edm_precond_arguments(reader, config);
    EXPECT_THROW(reader.finish(), config::ConfigError) << text;
  }
  const nlohmann::json unknown = nlohmann::json::parse(R"({"precond": "VP"})");
  config::ConfigReader reader(unknown, "model");
  EdmPrecondConfig config;
  EXPECT_THROW(read_edm_precond_arguments(reader, config), config::ConfigError);
}

}  // namespace
}  // namespace dact::models::edm
