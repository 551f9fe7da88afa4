#include "models/diffusion/class_label_dropout.h"
#include "models/diffusion/ddpm_diffusion.h"
#include "models/diffusion/function_evaluations.h"
#include "models/diffusion/guidance.h"
#include "models/dit/dit.h"
#include "models/dit/dit_arguments.h"
#include "models/dit/dit_families.h"

namespace dact::models {
namespace {

const std::vector<std::string> kDdpmSamplers{"ddpm", "ddim"};

// DiT's forward_with_cfg: guidance acts on the epsilon channels; the variance channels
// are the conditional model's.
torch::Tensor guided_epsilon_output(const torch::Tensor& conditional, const torch::Tensor& unconditional,
                                    int64_t channels, double w) {
  const torch::Tensor eps = guided(conditional.narrow(1, 0, channels), unconditional.narrow(1, 0, channels), w);
  return torch::cat({eps, conditional.narrow(1, channels, conditional.size(1) - channels)}, 1);
}

class DitDdpmModel : public Model {
 public:
  DitDdpmModel(const DitConfig& net, const DdpmConfig& diffusion)
      : net_(net), diffusion_config_(diffusion), diffusion_(diffusion) {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override { return {net_->config().in_channels, net_->config().input_size}; }
  int64_t label_dim() const override { return net_->config().num_classes; }
  std::vector<std::string> samplers() const override { return kDdpmSamplers; }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                               at::Generator& generator) override {
    const torch::Tensor t = torch::randint(0, diffusion_.num_timesteps(), {x0.size(0)}, generator);
    const torch::Tensor noise = torch::randn(x0.sizes(), generator, x0.options());
    const DitConfig& config = net_->config();
    const torch::Tensor y = config.class_dropout_prob > 0
                                ? drop_class_indices(labels, config.class_dropout_prob, config.num_classes, generator)
                                : labels;
    const DdpmModel model = [&](const torch::Tensor& x_t, const torch::Tensor& timesteps) {
      return net_->forward(x_t, timesteps.to(x_t.scalar_type()), y);
    };
    const DdpmLosses losses = diffusion_.training_losses(model, x0, t, noise);
    MicroBatchLoss out{losses.loss, {{"mse", losses.mse}}, "t", t.to(torch::kFloat64) / diffusion_.num_timesteps(),
                       losses.loss};
    if (losses.vb.defined()) out.terms["vb"] = losses.vb;
    return out;
  }

  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    const std::string sampler = resolve_sampler(kDdpmSamplers, options.sampler);
    refuse_edm_sampling_options(options, "dit-ddpm");
    refuse_mcmc_sampling_options(options, "dit-ddpm");
    refuse_masked_generation_options(options, "dit-ddpm");
    const int64_t T = diffusion_config_.diffusion_steps;
    if (options.steps < 1 || options.steps > T) {
      throw std::invalid_argument("sampler steps must be in [1, " + std::to_string(T) + "]");
    }
    DdpmConfig respaced = diffusion_config_;
    respaced.timestep_respacing = options.steps == T ? "" : std::to_string(options.steps);
    const GaussianDiffusion diffusion(respaced);
    const DitConfig& config = net_->config();
    if (options.guidance.weight != 1.0 && config.class_dropout_prob <= 0) {
      throw std::invalid_argument("guidance needs a model trained with label dropout (class_dropout_prob > 0)");
    }
    const torch::Tensor both_labels = torch::cat({labels, torch::full_like(labels, config.num_classes)});
    const GuidanceSchedule schedule = options.guidance;
    // The noise level of timestep t is t / T; progress runs from 0 (t = T - 1) to 1.
    const DdpmModel model = [&](const torch::Tensor& x, const torch::Tensor& timesteps) {
      const double level = (timesteps[0].item<double>() + 1) / T;
      const double w = schedule.weight_at(1 - level, level);
      const torch::Tensor t = timesteps.to(x.scalar_type());
      if (w == 1) return net_->forward(x, t, labels);
      const auto both = net_->forward(torch::cat({x, x}), torch::cat({t, t}), both_labels).chunk(2);
      return guided_epsilon_output(both[0], both[1], config.in_channels, w);
    };
    torch::NoGradGuard no_grad;
    net_->eval();
    if (sampler == "ddim") return diffusion.ddim_sample_loop(model, noise, /*eta=*/0, randn);
    return diffusion.p_sample_loop(model, noise, /*temperature=*/1.0, randn);
  }

 private:
  Dit net_;
  DdpmConfig diffusion_config_;
  GaussianDiffusion diffusion_;
};

class DitDdpmSpec : public ModelSpec {
 public:
  DitDdpmSpec(DitConfig net, DdpmConfig diffusion) : net_(std::move(net)), diffusion_(std::move(diffusion)) {}

  std::unique_ptr<Model> build() const override { return std::make_unique<DitDdpmModel>(net_, diffusion_); }
  ImageShape image_shape() const override { return {net_.in_channels, net_.input_size}; }
  int64_t label_dim() const override { return net_.num_classes; }
  std::vector<std::string> samplers() const override { return kDdpmSamplers; }
  // ddpm and ddim: one evaluation per (respaced) timestep.
  std::optional<int64_t> function_evaluations(const SamplingOptions& options) const override {
    return with_guide_evaluations(options.steps, options.guidance);
  }

 private:
  DitConfig net_;
  DdpmConfig diffusion_;
};

std::shared_ptr<const ModelSpec> parse_dit_ddpm(config::ConfigReader& model, config::ConfigReader&) {
  DitConfig net = read_dit_network(model);
  DdpmConfig diffusion;
  model.optional("diffusion_steps", diffusion.diffusion_steps);
  if (diffusion.diffusion_steps < 1) {
    throw config::ConfigError("config key '" + model.key_path("diffusion_steps") + "' must be at least 1");
  }
  model.choice("noise_schedule", diffusion.schedule,
               {{"linear", BetaSchedule::linear}, {"cosine", BetaSchedule::cosine}});
  model.choice("prediction", diffusion.prediction,
               {{"epsilon", DdpmPrediction::epsilon}, {"v", DdpmPrediction::velocity}});
  model.optional("clip_denoised", diffusion.clip_denoised);
  // DiT's create_diffusion: learned-range variance with learn_sigma, else the fixed large one.
  diffusion.variance = net.learn_sigma ? DdpmVariance::learned_range : DdpmVariance::fixed_large;
  return std::make_shared<DitDdpmSpec>(std::move(net), std::move(diffusion));
}

}  // namespace

const Family& dit_ddpm_family() {
  static const Family family{"dit-ddpm", parse_dit_ddpm};
  return family;
}

}  // namespace dact::models
