#include "models/features/fashion_classifier_training.h"

#include <cmath>

#include "models/state_dict.h"
#include "storage/tensor_file.h"

namespace dact::models::features {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

FashionClassifier train_fashion_classifier(const LabelledImages& train, int64_t classes,
                                           const ClassifierTrainingOptions& options,
                                           const std::function<void(const std::string&)>& progress) {
  torch::manual_seed(options.seed);  // initial weights and dropout masks
  FashionClassifierConfig config;
  config.in_channels = train.images.size(1);
  config.resolution = train.images.size(2);
  config.classes = classes;
  FashionClassifier net(config);
  net->train();
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(options.learning_rate));

  const int64_t n = train.images.size(0);
  const int64_t steps_per_epoch = (n + options.batch - 1) / options.batch;
  const int64_t total_steps = steps_per_epoch * options.epochs;
  auto order_generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, order_generator, torch::kInt64);
    double loss_sum = 0;
    for (int64_t begin = 0; begin < n; begin += options.batch, ++step) {
      // Cosine decay to zero over the whole run.
      const double lr = options.learning_rate * 0.5 * (1 + std::cos(kPi * step / total_steps));
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      const torch::Tensor index = order.slice(0, begin, std::min(begin + options.batch, n));
      const torch::Tensor x = net->input(train.images.index_select(0, index));
      const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), train.labels.index_select(0, index));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
    }
    if (progress) progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs) +
                           ": mean loss " + std::to_string(loss_sum / steps_per_epoch));
  }
  net->eval();
  return net;
}

double classifier_accuracy(FashionClassifier& net, const LabelledImages& test) {
  torch::NoGradGuard no_grad;
  net->eval();
  int64_t correct = 0;
  const int64_t n = test.images.size(0);
  for (int64_t begin = 0; begin < n; begin += 1000) {
    const int64_t end = std::min(begin + 1000, n);
    const torch::Tensor predicted = net->forward(net->input(test.images.slice(0, begin, end))).argmax(1);
    correct += predicted.eq(test.labels.slice(0, begin, end)).sum().item<int64_t>();
  }
  return n == 0 ? 0.0 : static_cast<double>(correct) / n;
}

void write_fashion_classifier(const std::string& path, FashionClassifier& net, const nlohmann::json& extra) {
  storage::TensorFile file;
  for (const auto& [name, tensor] : state_dict(*net)) file.tensors[name] = tensor.detach().clone();
  file.metadata = extra.is_object() ? extra : nlohmann::json::object();
  file.metadata["architecture"] = kFashionClassifierArchitecture;
  file.metadata["config"] = to_json(net->config());
  storage::write_tensor_file(path, file);
}

}  // namespace dact::models::features
