#include "launch/commands/model_command.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_reader.h"
#include "models/reference_forward.h"
#include "storage/atomic_file.h"
#include "storage/h5_tensor_io.h"
#include "storage/storage_error.h"

namespace dact::launch {
namespace {

using models::TensorMap;

struct ForwardArguments {
  std::string arch;
  std::string config;
  std::string weights;
  std::string input;
  std::string out;
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw storage::StorageError(path, "cannot open the model config");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw storage::StorageError(path, std::string("invalid JSON: ") + e.what());
  }
}

const models::ReferenceForward& reference_forward(const std::string& arch) {
  for (const models::ReferenceForward& forward : models::reference_forwards()) {
    if (forward.arch == arch) return forward;
  }
  throw std::invalid_argument("unknown architecture '" + arch + "'");
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
  const models::ReferenceForward& forward = reference_forward(arguments.arch);
  const nlohmann::json constructor_arguments = read_json(arguments.config);
  const TensorMap weights = read_group(arguments.weights, "weights");
  const TensorMap inputs = read_inputs(arguments.input);
  torch::NoGradGuard no_grad;
  TensorMap outputs;
  // Errors name the file they are about: the config's keys, or the inputs.
  try {
    config::ConfigReader reader(constructor_arguments, "");
    for (const std::string& key : forward.required_arguments) {
      if (!reader.has(key)) throw config::ConfigError("missing key '" + key + "'");
    }
    outputs = forward.run(reader, weights, models::ForwardInputs(inputs));
  } catch (const config::ConfigError& e) {
    throw storage::StorageError(arguments.config, e.what());
  } catch (const std::invalid_argument& e) {
    throw storage::StorageError(arguments.input, e.what());
  }
  write_outputs(arguments.out, outputs);
  for (const auto& [name, tensor] : outputs) {
    std::cout << arguments.out << ": " << name << " " << tensor.sizes() << "\n";
  }
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const models::ReferenceForward& forward : models::reference_forwards()) names.push_back(forward.arch);
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
      ->check(CLI::IsMember(architecture_names()));
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
