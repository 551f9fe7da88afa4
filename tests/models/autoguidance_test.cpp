// Autoguidance through the EDM-preconditioned families' sampling path
// (edm_family_sampling.h) with closed-form denoisers: the main network is the ideal
// denoiser of N(mu_main, Sigma), the guide that of N(mu_guide, Sigma). Both are affine
// in mu with the same x term, so D_guide + w (D_main - D_guide) is exactly the ideal
// denoiser of N(mu_guide + w (mu_main - mu_guide), Sigma), and every sampler must give
// that target's law: the same affine map as when sampling the target directly, and
// within its discretisation error of the target's moments.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "models/diffusion/edm_family_sampling.h"
#include "tests/models/gaussian_oracle.h"

namespace dact::models::autoguidance_test {
namespace {

using namespace gaussian_oracle;  // NOLINT: the test's vocabulary

// An EDM-preconditioned "network" that is the ideal denoiser of Gaussian data, on rows
// [n, d]; sigma may be dual (the sed sampler differentiates it).
class GaussianDenoiserModel : public Model, public PreconditionedModel {
 public:
  explicit GaussianDenoiserModel(GaussianData data) : data_(std::move(data)) {}

  torch::nn::Module& module() override { return module_; }
  ImageShape image_shape() const override { return {data_.dims(), 1}; }
  int64_t label_dim() const override { return 0; }
  std::vector<std::string> samplers() const override { return edm_family_samplers(); }
  MicroBatchLoss training_loss(const torch::Tensor&, const torch::Tensor&, at::Generator&) override {
    throw std::logic_error("a closed-form denoiser is not trained");
  }
  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    return sample_edm_family(preconditioned_denoiser(), image_shape(), label_dim(), labels, noise, options, randn);
  }
  PreconditionedDenoiser preconditioned_denoiser() override {
    return [data = data_](const torch::Tensor& x, const torch::Tensor& sigma, const torch::Tensor&) {
      return ideal_denoiser_differentiable(data, x, sigma[0]);
    };
  }

 private:
  GaussianData data_;
  torch::nn::Module module_;
};

OutputLaw law_of(Model& model, const SamplingOptions& options, int64_t dims, int64_t noise_calls) {
  return exact_output_law(
      [&](const torch::Tensor& start, const NoiseSource& noise) {
        return model.sample(torch::zeros({start.size(0)}, torch::kInt64), start, options, noise);
      },
      dims, noise_calls);
}

TEST(Autoguidance, EverySamplerSamplesTheGuidedGaussian) {
  const auto main_data = correlated_gaussian_3d();
  const GaussianData guide_data{main_data.mu + torch::tensor({-0.4, 0.2, 0.3}, torch::kFloat64), main_data.Sigma};
  const double w = 2.5;
  const GaussianData target{guide_data.mu + w * (main_data.mu - guide_data.mu), main_data.Sigma};
  GaussianDenoiserModel main(main_data), guide(guide_data), direct(target);
  // Discretisation error of each sampler's law at 128 steps (first order: euler; the
  // others second); the unguided means are 0.58 and 1.2 away from the target's.
  const std::vector<std::pair<std::string, double>> samplers{{"heun", 0.015}, {"euler", 0.1}, {"sed", 0.015}};
  for (const auto& [sampler, tolerance] : samplers) {
    SamplingOptions options;
    options.sampler = sampler;
    options.steps = 128;
    options.edm.S_churn = sampler == "euler" ? 0 : 1;  // sed's SDE, heun's churn
    const int64_t noise_calls = 2 * options.steps;
    const auto direct_law = law_of(direct, options, 3, noise_calls);
    options.guidance.weight = w;
    options.guide = &guide;
    const auto guided_law = law_of(main, options, 3, noise_calls);
    EXPECT_TRUE(torch::allclose(guided_law.mean, direct_law.mean, 1e-9, 1e-9)) << sampler;
    EXPECT_TRUE(torch::allclose(guided_law.cov, direct_law.cov, 1e-9, 1e-9)) << sampler;
    const double error = moment_error(guided_law, target);
    ::testing::Test::RecordProperty(sampler + "_guided_moment_error", std::to_string(error));
    EXPECT_LE(error, tolerance) << sampler << guided_law.mean << guided_law.cov;
  }
}

TEST(Autoguidance, OutsideTheGuidanceIntervalTheMainNetworkSamplesAlone) {
  // An interval that holds no step's noise level: no guidance at all.
  const auto main_data = correlated_gaussian_3d();
  GaussianDenoiserModel main(main_data),
      guide(GaussianData{main_data.mu + torch::tensor({-0.4, 0.2, 0.3}, torch::kFloat64), main_data.Sigma});
  SamplingOptions options;
  options.steps = 16;
  const auto unguided = law_of(main, options, 3, 0);
  options.guide = &guide;
  options.guidance.weight = 2.5;
  options.guidance.interval_low = 1000;
  options.guidance.interval_high = 2000;
  const auto outside = law_of(main, options, 3, 0);
  EXPECT_TRUE(torch::allclose(outside.mean, unguided.mean, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(outside.cov, unguided.cov, 1e-12, 1e-12));
}

TEST(Autoguidance, AGuideOfAnotherShapeIsRefused) {
  const auto data = correlated_gaussian_3d();
  GaussianDenoiserModel main(data);
  GaussianDenoiserModel two_dims(GaussianData{torch::zeros({2}, torch::kFloat64), torch::eye(2, torch::kFloat64)});
  SamplingOptions options;
  options.guidance.weight = 2;
  options.guide = &two_dims;
  const auto noise = torch::randn({4, 3}, torch::kFloat64);
  EXPECT_THROW(main.sample(torch::zeros({4}, torch::kInt64), noise, options, standard_normal_like),
               std::invalid_argument);
}

}  // namespace
}  // namespace dact::models::autoguidance_test
