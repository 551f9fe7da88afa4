#include "launch/commands/model_command.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/autoencoder/kl_autoencoder.h"
#include "models/dit/dit_arguments.h"
#include "models/edm2/edm2_arguments.h"
#include "models/dit/dit.h"
#include "models/edm2/edm2_precond.h"
#include "models/edm/edm_arguments.h"
#include "models/edm/edm_precond.h"
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

// Reads a runner's constructor arguments with `read`, naming the file in every error
// (unknown keys, wrong types).
template <class Config, class Read>
Config arguments_from_json(const nlohmann::json& json, const std::string& path, Read read,
                           std::initializer_list<const char*> required) {
  Config config;
  try {
    config::ConfigReader reader(json, "");
    for (const char* key : required) {
      if (!reader.has(key)) throw config::ConfigError(std::string("missing key '") + key + "'");
    }
    read(reader, config);
    reader.finish();
  } catch (const config::ConfigError& e) {
    throw storage::StorageError(path, e.what());
  }
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
  models::Edm2Precond model(arguments_from_json<models::Edm2PrecondConfig>(
      json, files.config, models::read_edm2_precond_arguments, {"img_resolution", "img_channels", "label_dim"}));
  models::load_state_dict(*model, weights);
  model->eval();
  const auto labels = inputs.find("class_labels");
  const models::Edm2Output out =
      model->forward(required_input(inputs, "x", files.input), required_input(inputs, "sigma", files.input),
                     labels == inputs.end() ? torch::Tensor() : labels->second);
  return {{"D", out.D}, {"logvar", out.logvar}};
}

// EDM's VP/VE/iDDPM/EDM preconditioners (the config's `precond`) around SongUNet or
// DhariwalUNet: x, sigma and optional class_labels, augment_labels -> D.
TensorMap run_edm_precond(const nlohmann::json& json, const TensorMap& weights, const TensorMap& inputs,
                          const ForwardFiles& files) {
  models::edm::EdmPrecond model(arguments_from_json<models::edm::EdmPrecondConfig>(
      json, files.config, models::edm::read_edm_precond_arguments,
      {"precond", "img_resolution", "img_channels", "label_dim"}));
  models::load_state_dict(*model, weights);
  model->eval();
  const auto labels = inputs.find("class_labels");
  const auto augment = inputs.find("augment_labels");
  return {{"D", model->forward(required_input(inputs, "x", files.input), required_input(inputs, "sigma", files.input),
                               labels == inputs.end() ? torch::Tensor() : labels->second,
                               augment == inputs.end() ? torch::Tensor() : augment->second)}};
}

// Outputs `out`, or in energy mode `energy` and `grad` (= the prediction).
TensorMap run_dit(const nlohmann::json& json, const TensorMap& weights, const TensorMap& inputs,
                  const ForwardFiles& files) {
  models::Dit model(arguments_from_json<models::DitConfig>(json, files.config, models::read_dit_arguments, {}));
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

// Inputs `images` (encoded: `mean`, `logvar`, and `reconstruction` = decode(mean))
// and/or `z` (decoded: `decoded_z`).
TensorMap run_kl_autoencoder(const nlohmann::json& json, const TensorMap& weights, const TensorMap& inputs,
                             const ForwardFiles& files) {
  models::autoencoder::KlAutoencoder model(arguments_from_json<models::autoencoder::KlAutoencoderConfig>(
      json, files.config, models::autoencoder::read_kl_autoencoder_arguments, {}));
  models::load_state_dict(*model, weights);
  model->eval();
  const auto images = inputs.find("images");
  const auto z = inputs.find("z");
  if (images == inputs.end() && z == inputs.end()) {
    throw storage::StorageError(files.input, "missing input: expected 'images', 'z' or both");
  }
  TensorMap outputs;
  if (images != inputs.end()) {
    const models::autoencoder::KlPosterior posterior = model->encode(images->second);
    outputs = {{"mean", posterior.mean}, {"logvar", posterior.logvar}, {"reconstruction", model->decode(posterior.mean)}};
  }
  if (z != inputs.end()) outputs.emplace("decoded_z", model->decode(z->second));
  return outputs;
}

const std::map<std::string, ForwardRunner>& forward_runners() {
  static const std::map<std::string, ForwardRunner> runners{
      {"edm2-precond", run_edm2_precond},
      {"edm-precond", run_edm_precond},
      {"dit", run_dit},
      {"kl-autoencoder", run_kl_autoencoder},
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
