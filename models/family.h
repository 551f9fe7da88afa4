#pragma once
// A model family: one network together with its training objective, its samplers and
// guidance, and the names of its state dict. Trainers, the EMA actor, evaluators, the
// preview and the offline commands see only this interface (as c10d::ProcessGroup
// hides its backends), so a new family plugs into every actor by adding a folder.
//
// A run's `model` section names the family by `arch` and holds the network's
// constructor arguments; `trainer.loss` holds the objective's settings. Parsing yields
// a ModelSpec (validated, cheap), from which each actor builds its own Model.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "models/diffusion/edm_sampler_controls.h"
#include "models/diffusion/guidance.h"
#include "models/diffusion/mcmc_sampler_controls.h"
#include "models/diffusion/sampler_types.h"
#include "models/mar/masked_generation_controls.h"

namespace dact::models {

// What the network reads and writes: [N, channels, resolution, resolution] in model
// space (pixels mapped to [-1, 1], or latents).
struct ImageShape {
  int64_t channels = 0;
  int64_t resolution = 0;
};

// The loss of one micro-batch, per sample: the step's loss is the sum over the global
// batch divided by the batch size. `terms` are parts worth reporting (e.g. DDPM's mse
// and vb), also [N].
struct MicroBatchLoss {
  torch::Tensor loss;
  std::map<std::string, torch::Tensor> terms;
  // For the loss by noise level (workers/trainer/loss_by_noise_level.h): the noise level
  // each loss row was drawn at, named `noise_level_name`: "sigma" (EDM-preconditioned
  // families) or "t" in [0, 1] (flows; DDPM-type timesteps as t / T). One row per
  // sample (noise_level_loss = loss), or as many per sample for every sample (MAR: one
  // per masked token), so the rows' mean is the samples' mean. Undefined when the
  // objective draws no noise level (the autoencoder).
  std::string noise_level_name;
  torch::Tensor noise_level, noise_level_loss;
};

class Model;

struct SamplingOptions {
  std::string sampler;  // one of ModelSpec::samplers(); "" = the family's default
  int64_t steps = 32;
  GuidanceSchedule guidance;  // weight 1 = none; classifier-free unless `guide` is set
  double time_shift = 1;      // flows: SD3's shift of the time grid (1 = uniform)
  EdmSamplerControls edm;     // EDM-preconditioned families only; unset = the sampler's default
  McmcSamplerControls mcmc;   // dit-energy only; unset = the model's defaults
  MaskedGenerationControls masked;  // mar only (rounds, temperature); unset = MAR's defaults
  // Autoguidance: the guiding network D_guide (not owned; EDM-preconditioned families).
  Model* guide = nullptr;
};

class Model {
 public:
  virtual ~Model() = default;

  // The trained parameters and buffers; their names are the state dict's.
  virtual torch::nn::Module& module() = 0;
  virtual ImageShape image_shape() const = 0;
  virtual int64_t label_dim() const = 0;  // classes; 0 = unconditional
  // Sampler names; the first is the default.
  virtual std::vector<std::string> samplers() const = 0;
  // Parameters trained with their own learning rate: name -> factor on the schedule's
  // lr (e.g. the energy family's MCMC step size). Empty = one lr for all.
  virtual std::map<std::string, double> learning_rate_multipliers() const { return {}; }

  // x0: clean images in model space [N, C, H, W]; labels: int64 [N] (ignored when
  // unconditional). All randomness comes from `generator`, so the loss is a fixed
  // function of (weights, batch, generator seed): what exact resume needs.
  virtual MicroBatchLoss training_loss(const torch::Tensor& x0, const torch::Tensor& labels,
                                       at::Generator& generator) = 0;

  // Images in model space [N, C, H, W] from standard normal `noise` of that shape.
  // labels: int64 [N] (ignored when unconditional). Stochastic samplers draw their
  // noise from `randn`. Throws std::invalid_argument for an unknown sampler, steps < 1,
  // or guidance on an unconditional model.
  virtual torch::Tensor sample(const torch::Tensor& labels, const torch::Tensor& noise,
                               const SamplingOptions& options, const NoiseSource& randn) = 0;
};

// A parsed, validated `model` section (and `trainer.loss`): what every actor builds its
// network from.
class ModelSpec {
 public:
  virtual ~ModelSpec() = default;
  // A fresh network with initial weights from the global LibTorch generator.
  virtual std::unique_ptr<Model> build() const = 0;
  virtual ImageShape image_shape() const = 0;
  virtual int64_t label_dim() const = 0;  // classes; 0 = unconditional
  // Sampler names; the first is the default.
  virtual std::vector<std::string> samplers() const = 0;
  // Network evaluations per image when sampling with `options` (diffusion/function_evaluations.h);
  // nullopt where the settings alone do not fix it (e.g. MCMC refinement, MAR's rounds).
  virtual std::optional<int64_t> function_evaluations(const SamplingOptions&) const { return std::nullopt; }
};

struct Family {
  std::string arch;  // the value of model.arch
  // Reads the family's keys from `model` (arch already taken) and `loss`; the caller
  // finishes both readers, so unknown keys are errors naming their path.
  std::function<std::shared_ptr<const ModelSpec>(config::ConfigReader& model, config::ConfigReader& loss)> parse;
};

// Every family, by arch.
const std::vector<Family>& model_families();

// Parses a `model` section (key path `model_path`) and a `trainer.loss` section (key
// path `loss_path`; an empty object = the family's defaults). Throws
// config::ConfigError naming the key.
std::shared_ptr<const ModelSpec> parse_model_spec(const nlohmann::json& model, const std::string& model_path,
                                                  const nlohmann::json& loss = nlohmann::json::object(),
                                                  const std::string& loss_path = "trainer.loss");

// Throws std::invalid_argument when `options` sets EDM's sampler controls or a guide
// network, which `arch` (a family that is not EDM-preconditioned) has no use for.
void refuse_edm_sampling_options(const SamplingOptions& options, const std::string& arch);

// Throws std::invalid_argument when `options` sets MCMC refinement controls, which only
// the energy family (dit-energy) has.
void refuse_mcmc_sampling_options(const SamplingOptions& options, const std::string& arch);
// Throws std::invalid_argument when `options` sets MAR's masked-generation controls
// (rounds, temperature), which `arch` (a family that does not generate token by token)
// has no use for.
void refuse_masked_generation_options(const SamplingOptions& options, const std::string& arch);

// `sampler` checked against `known` ("" = known.front(), the default); throws
// std::invalid_argument naming the known ones.
std::string resolve_sampler(const std::vector<std::string>& known, const std::string& sampler);

}  // namespace dact::models
