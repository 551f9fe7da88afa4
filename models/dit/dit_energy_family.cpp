#include <stdexcept>

#include "models/diffusion/class_label_dropout.h"
#include "models/diffusion/ddpm_diffusion.h"
#include "models/diffusion/energy_diffusion_loss.h"
#include "models/diffusion/energy_sampler.h"
#include "models/dit/dit_arguments.h"
#include "models/dit/dit_energy.h"
#include "models/dit/dit_families.h"

namespace dact::models {
namespace {

const std::vector<std::string> kEnergySamplers{"ddpm"};

// Sampling's MCMC base b (the seed's get_adaptive_steps at inference).
constexpr double kSamplingStepsBase = 5;

struct EnergyNetworkConfig {
  DitConfig dit;
  EnergyPrediction prediction = EnergyPrediction::epsilon;
  double mcmc_step_size = 0.01;  // the seed's default; its main run uses 0.001
  bool learnable_step_size = false;
};

struct EnergyObjectiveConfig {
  EnergyLossConfig loss;
  double alpha_lr_multiplier = 1;
};

class DitEnergyModel : public Model {
 public:
  DitEnergyModel(const EnergyNetworkConfig& net, const DdpmConfig& diffusion, const EnergyObjectiveConfig& objective)
      : net_(net.dit, net.mcmc_step_size, net.learnable_step_size),
        learnable_step_size_(net.learnable_step_size),
        diffusion_config_(diffusion),
        diffusion_(diffusion),
        objective_(objective),
        parameterisation_{net.prediction, net.dit.energy_gradient_multiplier} {}

  torch::nn::Module& module() override { return *net_; }
  ImageShape image_shape() const override { return {config().in_channels, config().input_size}; }
  int64_t label_dim() const override { return config().num_classes; }
  std::vector<std::string> samplers() const override { return kEnergySamplers; }
  std::map<std::string, double> learning_rate_multipliers() const override {
    if (!learnable_step_size_) return {};
    return {{"alpha", objective_.alpha_lr_multiplier}};
  }

  MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                               at::Generator& generator) override {
    const EnergyLossDraws draws =
        draw_energy_loss_inputs(x0, diffusion_.num_timesteps(), objective_.loss, generator);
    // Label dropout once per sample and step: every network call below sees these labels.
    const torch::Tensor y = config().class_dropout_prob > 0
                                ? drop_class_indices(labels, config().class_dropout_prob, config().num_classes, generator)
                                : labels;
    MicroBatchLoss loss = energy_diffusion_loss(diffusion_, dit_conditional_energy(net_->dit, y), parameterisation_,
                                                x0, draws, net_->alpha, objective_.loss);
    loss.noise_level_name = "t";
    loss.noise_level = draws.t.to(torch::kFloat64) / diffusion_.num_timesteps();
    loss.noise_level_loss = loss.loss;
    return loss;
  }

  torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise, const SamplingOptions& options,
                       const NoiseSource& randn) override {
    resolve_sampler(kEnergySamplers, options.sampler);
    refuse_edm_sampling_options(options, "dit-energy");
    refuse_masked_generation_options(options, "dit-energy");
    if (options.time_shift != 1) throw std::invalid_argument("--time-shift belongs to flows; dit-energy has none");
    options.mcmc.validate();
    const int64_t T = diffusion_config_.diffusion_steps;
    if (options.steps < 1 || options.steps > T) {
      throw std::invalid_argument("sampler steps must be in [1, " + std::to_string(T) + "]");
    }
    if (options.guidance.weight != 1.0 && config().class_dropout_prob <= 0) {
      throw std::invalid_argument("guidance needs a model trained with label dropout (class_dropout_prob > 0)");
    }
    DdpmConfig respaced = diffusion_config_;
    respaced.timestep_respacing = options.steps == T ? "" : std::to_string(options.steps);
    EnergySamplerSettings settings;
    settings.refine = !options.mcmc.off;
    settings.steps_base = options.mcmc.steps_base.value_or(kSamplingStepsBase);
    settings.step_size = options.mcmc.step_size.value_or(net_->alpha.clamp_min(1e-4).item<double>());
    settings.diffusion_steps = T;
    settings.clip_denoised = diffusion_config_.clip_denoised;
    net_->eval();
    const TimedEnergyField guided = dit_guided_energy(net_->dit, labels, config().num_classes, options.guidance, T);
    return sample_energy_ddpm(GaussianDiffusion(respaced),
                              timed_potential(guided, parameterisation_, diffusion_.alphas_cumprod()), noise, settings,
                              randn);
  }

 private:
  const DitConfig& config() const { return net_->dit->config(); }

  EnergyDiffusionNet net_;
  bool learnable_step_size_;
  DdpmConfig diffusion_config_;
  GaussianDiffusion diffusion_;
  EnergyObjectiveConfig objective_;
  EnergyParameterisation parameterisation_;
};

class DitEnergySpec : public ModelSpec {
 public:
  DitEnergySpec(EnergyNetworkConfig net, DdpmConfig diffusion, EnergyObjectiveConfig objective)
      : net_(std::move(net)), diffusion_(std::move(diffusion)), objective_(objective) {}

  std::unique_ptr<Model> build() const override {
    return std::make_unique<DitEnergyModel>(net_, diffusion_, objective_);
  }
  ImageShape image_shape() const override { return {net_.dit.in_channels, net_.dit.input_size}; }
  int64_t label_dim() const override { return net_.dit.num_classes; }
  std::vector<std::string> samplers() const override { return kEnergySamplers; }

 private:
  EnergyNetworkConfig net_;
  DdpmConfig diffusion_;
  EnergyObjectiveConfig objective_;
};

void require(bool holds, config::ConfigReader& reader, const std::string& key, const std::string& what) {
  if (!holds) throw config::ConfigError("config key '" + reader.key_path(key) + "' " + what);
}

std::shared_ptr<const ModelSpec> parse_dit_energy(config::ConfigReader& model, config::ConfigReader& loss) {
  EnergyNetworkConfig net;
  net.dit = read_dit_network(model, /*energy=*/true);
  model.optional("mcmc_step_size", net.mcmc_step_size);
  model.optional("learnable_mcmc_step_size", net.learnable_step_size);
  require(net.mcmc_step_size >= 1e-4, model, "mcmc_step_size", "must be at least 1e-4 (alpha's clamp)");
  model.choice("prediction", net.prediction, {{"epsilon", EnergyPrediction::epsilon}, {"v", EnergyPrediction::velocity}});
  // The seed's DDPM: linear betas scaled by 1000 / T, eps prediction, fixed-small variance.
  DdpmConfig diffusion;
  diffusion.variance = DdpmVariance::fixed_small;
  model.optional("diffusion_steps", diffusion.diffusion_steps);
  require(diffusion.diffusion_steps >= 2, model, "diffusion_steps", "must be at least 2");
  model.choice("noise_schedule", diffusion.schedule,
               {{"linear", BetaSchedule::linear}, {"cosine", BetaSchedule::cosine}});
  if (diffusion.schedule == BetaSchedule::linear) {
    require(0.02 * 1000.0 / diffusion.diffusion_steps < 1, model, "diffusion_steps",
            "must exceed 20 with linear betas (beta_T = 0.02 * 1000 / T must stay below 1)");
  }
  model.optional("clip_denoised", diffusion.clip_denoised);

  EnergyObjectiveConfig objective;
  objective.loss.refinement_weight = net.learnable_step_size ? 0.1 : 0;
  loss.optional("contrastive_weight", objective.loss.contrastive_weight);
  loss.optional("refinement_weight", objective.loss.refinement_weight);
  loss.optional("alpha_lr_multiplier", objective.alpha_lr_multiplier);
  loss.optional("mcmc_steps_base", objective.loss.steps_base);
  require(objective.loss.contrastive_weight >= 0, loss, "contrastive_weight", "must be >= 0 (0 = off)");
  require(objective.loss.refinement_weight >= 0, loss, "refinement_weight", "must be >= 0 (0 = off)");
  require(objective.alpha_lr_multiplier > 0, loss, "alpha_lr_multiplier", "must be > 0");
  require(objective.loss.steps_base >= 0, loss, "mcmc_steps_base", "must be >= 0");
  if (!net.learnable_step_size) {
    require(objective.loss.refinement_weight == 0, loss, "refinement_weight",
            "trains the MCMC step size: it needs model.learnable_mcmc_step_size true");
    require(!loss.has("alpha_lr_multiplier"), loss, "alpha_lr_multiplier",
            "applies to a learnable step size: it needs model.learnable_mcmc_step_size true");
  }
  return std::make_shared<DitEnergySpec>(std::move(net), std::move(diffusion), objective);
}

}  // namespace

const Family& dit_energy_family() {
  static const Family family{"dit-energy", parse_dit_energy};
  return family;
}

}  // namespace dact::models
