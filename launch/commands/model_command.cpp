#include "launch/commands/model_command.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/dit.h"
#include "models/edm2_precond.h"
#include "models/state_dict.h"
#include "storage/atomic_file.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

struct ForwardArguments {
  std::string arch;
  std::string config;
  std::string weights;
  std::string input;
  std::string out;
};

// The files a runner works on, for error messages.
struct ForwardFiles {
  const std::string& config;
  const std::string& input;
};

// One architecture: constructor arguments + weights + inputs -> named outputs.
using ForwardRunner = std::function<TensorMap(const nlohmann::json& config, const TensorMap& weights,
                                              const TensorMap& inputs, const ForwardFiles& files)>;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw storage::StorageError(path, "cannot open the model config");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, std::string("invalid JSON: ") + e.what());
  }
}

// Rejects any key of `config` outside `known`, naming it.
void check_keys(const nlohmann::json& config, const std::set<std::string>& known,
                const std::string& path) {
  if (!config.is_object()) throw storage::StorageError(path, "expected a JSON object");
  for (const auto& item : config.items()) {
    if (known.count(item.key()) == 0) {
      throw storage::StorageError(path, "unknown key '" + item.key() + "'");
    }
  }
}

template <typename T>
void read_key(const nlohmann::json& config, const std::string& key, T& value, const std::string& path) {
  if (!config.contains(key)) return;
  try {
    value = config.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, "key '" + key + "': " + e.what());
  }
}

template <typename T>
void read_optional_key(const nlohmann::json& config, const std::string& key, std::optional<T>& value,
                       const std::string& path) {
  if (config.contains(key) && config.at(key).is_null()) {
    value.reset();
  } else if (config.contains(key)) {
    T present{};
    read_key(config, key, present, path);
    value = present;
  }
}

// EDM2 Precond/UNet/Block constructor arguments (NVlabs/edm2 networks_edm2.py).
models::Edm2PrecondConfig edm2_config_from_json(const nlohmann::json& json, const std::string& path) {
  check_keys(json,
             {"img_resolution", "img_channels", "label_dim", "use_fp16", "sigma_data",
              "logvar_channels", "model_channels", "channel_mult", "channel_mult_noise",
              "channel_mult_emb", "num_blocks", "attn_resolutions", "label_balance",
              "concat_balance", "resample_filter", "channels_per_head", "dropout", "res_balance",
              "attn_balance", "clip_act"},
             path);
  for (const char* required : {"img_resolution", "img_channels", "label_dim"}) {
    if (!json.contains(required)) {
      throw storage::StorageError(path, std::string("missing key '") + required + "'");
    }
  }
  models::Edm2PrecondConfig config;
  models::Edm2UNetConfig& unet = config.unet;
  models::Edm2BlockConfig& block = unet.block;
  read_key(json, "img_resolution", unet.img_resolution, path);
  read_key(json, "img_channels", unet.img_channels, path);
  read_key(json, "label_dim", unet.label_dim, path);
  read_key(json, "use_fp16", config.use_fp16, path);
  read_key(json, "sigma_data", config.sigma_data, path);
  read_key(json, "logvar_channels", config.logvar_channels, path);
  read_key(json, "model_channels", unet.model_channels, path);
  read_key(json, "channel_mult", unet.channel_mult, path);
  read_optional_key(json, "channel_mult_noise", unet.channel_mult_noise, path);
  read_optional_key(json, "channel_mult_emb", unet.channel_mult_emb, path);
  read_key(json, "num_blocks", unet.num_blocks, path);
  read_key(json, "attn_resolutions", unet.attn_resolutions, path);
  read_key(json, "label_balance", unet.label_balance, path);
  read_key(json, "concat_balance", unet.concat_balance, path);
  read_key(json, "resample_filter", block.resample_filter, path);
  read_key(json, "channels_per_head", block.channels_per_head, path);
  read_key(json, "dropout", block.dropout, path);
  read_key(json, "res_balance", block.res_balance, path);
  read_key(json, "attn_balance", block.attn_balance, path);
  read_optional_key(json, "clip_act", block.clip_act, path);
  return config;
}

const torch::Tensor& required_input(const TensorMap& inputs, const std::string& name,
                                    const std::string& path) {
  const auto found = inputs.find(name);
  if (found == inputs.end()) throw storage::StorageError(path, "missing input '" + name + "'");
  return found->second;
}

TensorMap run_edm2_precond(const nlohmann::json& json, const TensorMap& weights,
                           const TensorMap& inputs, const ForwardFiles& files) {
  models::Edm2Precond model(edm2_config_from_json(json, files.config));
  models::load_state_dict(*model, weights);
  model->eval();
  const auto labels = inputs.find("class_labels");
  const models::Edm2Output out =
      model->forward(required_input(inputs, "x", files.input), required_input(inputs, "sigma", files.input),
                     labels == inputs.end() ? torch::Tensor() : labels->second);
  return {{"D", out.D}, {"logvar", out.logvar}};
}

// DiT constructor arguments of the energy-diffusion seed's models/dit/dit.py.
models::DitConfig dit_config_from_json(const nlohmann::json& json, const std::string& path) {
  check_keys(json,
             {"input_size", "patch_size", "in_channels", "hidden_size", "depth", "num_heads",
              "mlp_ratio", "class_dropout_prob", "num_classes", "learn_sigma", "use_energy",
              "linear_then_mean", "energy_gradient_multiplier"},
             path);
  models::DitConfig config;
  read_key(json, "input_size", config.input_size, path);
  read_key(json, "patch_size", config.patch_size, path);
  read_key(json, "in_channels", config.in_channels, path);
  read_key(json, "hidden_size", config.hidden_size, path);
  read_key(json, "depth", config.depth, path);
  read_key(json, "num_heads", config.num_heads, path);
  read_key(json, "mlp_ratio", config.mlp_ratio, path);
  read_key(json, "class_dropout_prob", config.class_dropout_prob, path);
  read_key(json, "num_classes", config.num_classes, path);
  read_key(json, "learn_sigma", config.learn_sigma, path);
  read_key(json, "use_energy", config.use_energy, path);
  read_key(json, "linear_then_mean", config.linear_then_mean, path);
  read_key(json, "energy_gradient_multiplier", config.energy_gradient_multiplier, path);
  return config;
}

// Outputs `out`, or in energy mode `energy` and `grad` (= the prediction).
TensorMap run_dit(const nlohmann::json& json, const TensorMap& weights, const TensorMap& inputs,
                  const ForwardFiles& files) {
  models::Dit model(dit_config_from_json(json, files.config));
  models::load_state_dict(*model, weights);
  model->eval();
  const auto& x = required_input(inputs, "x", files.input);
  const auto& t = required_input(inputs, "t", files.input);
  const auto& y = required_input(inputs, "y", files.input);
  if (model->config().use_energy) {
    const models::DitEnergyOutput out = model->forward_energy(x, t, y);
    return {{"energy", out.energy}, {"grad", out.prediction}};
  }
  return {{"out", model->forward(x, t, y)}};
}

const std::map<std::string, ForwardRunner>& forward_runners() {
  static const std::map<std::string, ForwardRunner> runners{
      {"edm2-precond", run_edm2_precond},
      {"dit", run_dit},
  };
  return runners;
}

TensorMap read_group(const std::string& path, const std::string& group_name) {
  const H5::H5File file = storage::open_h5_for_reading(path);
  if (group_name.empty()) return storage::read_h5_tensors(file);
  if (!storage::h5_has_path(file, group_name)) {
    throw storage::StorageError(path, "missing group '" + group_name + "'");
  }
  return storage::read_h5_tensors(file.openGroup(group_name));
}

// Inputs live under `input/` (the interchange layout) or at the top level.
TensorMap read_inputs(const std::string& path) {
  const H5::H5File file = storage::open_h5_for_reading(path);
  return read_group(path, storage::h5_has_path(file, "input") ? "input" : "");
}

void write_outputs(const std::string& path, const TensorMap& outputs) {
  storage::AtomicFile atomic(path);
  {
    H5::H5File file(atomic.temp_path(), H5F_ACC_TRUNC);
    for (const auto& [name, tensor] : outputs) {
      storage::write_h5_tensor(file, name, tensor.detach().contiguous());
    }
  }
  atomic.commit();
}

void run_forward(const ForwardArguments& arguments) {
  const ForwardRunner& runner = forward_runners().at(arguments.arch);
  torch::NoGradGuard no_grad;
  const TensorMap outputs = runner(read_json(arguments.config), read_group(arguments.weights, "weights"),
                                   read_inputs(arguments.input), {arguments.config, arguments.input});
  write_outputs(arguments.out, outputs);
  for (const auto& [name, tensor] : outputs) {
    std::cout << arguments.out << ": " << name << " " << tensor.sizes() << "\n";
  }
}

std::vector<std::string> runner_names() {
  std::vector<std::string> names;
  for (const auto& item : forward_runners()) names.push_back(item.first);
  return names;
}

}  // namespace

void add_model_commands(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Run models from interchange weight files");
  model->require_subcommand(1);

  auto arguments = std::make_shared<ForwardArguments>();
  CLI::App* forward = model->add_subcommand(
      "forward", "One eval-mode forward pass: inputs from IN.h5 (input/ group or top level), "
                 "outputs to OUT.h5");
  forward->add_option("--arch", arguments->arch, "architecture")
      ->required()
      ->check(CLI::IsMember(runner_names()));
  forward->add_option("--config", arguments->config, "JSON constructor arguments of the reference")
      ->required()
      ->check(CLI::ExistingFile);
  forward->add_option("--weights", arguments->weights, "HDF5 with weights/<state-dict name>")
      ->required()
      ->check(CLI::ExistingFile);
  forward->add_option("--input", arguments->input, "HDF5 with the inputs")
      ->required()
      ->check(CLI::ExistingFile);
  forward->add_option("--out", arguments->out, "HDF5 to write the outputs to")->required();
  forward->callback([arguments] { run_forward(*arguments); });
}

}  // namespace dact::launch
