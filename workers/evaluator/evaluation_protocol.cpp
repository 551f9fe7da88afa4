#include "workers/evaluator/evaluation_protocol.h"

#include <regex>
#include <stdexcept>

#include "models/features/fid_inception_v3.h"

namespace dact::workers::evaluator {

EvaluationProtocol evaluation_protocol(const std::string& name) {
  if (name == "fid50k") return {"fid50k", 50000, std::string(models::features::kInceptionV3Architecture) + "/tf1@"};
  throw std::invalid_argument("unknown evaluation protocol '" + name + "' (known: fid50k)");
}

void require_protocol_features(const EvaluationProtocol& protocol, const std::string& feature_net,
                               const std::string& weights_path) {
  if (feature_net.rfind(protocol.feature_net_prefix, 0) == 0) return;
  throw std::invalid_argument("protocol " + protocol.name + " measures with Inception-v3 and TF1's preprocessing (" +
                              protocol.feature_net_prefix + "...), but " + weights_path + " is '" + feature_net +
                              "'; pass the Inception-v3 weights (tools/export_state_dict.py --architecture "
                              "inception-v3) with --preprocess tf1");
}

std::string fd_metric_name(const std::string& protocol, int64_t images) {
  if (!protocol.empty() && images == evaluation_protocol(protocol).images) return protocol;
  if (images >= 1000 && images % 1000 == 0) return "fd" + std::to_string(images / 1000) + "k";
  return "fd" + std::to_string(images);
}

nlohmann::json named_by_protocol(nlohmann::json metrics, const std::string& protocol) {
  const std::string name = fd_metric_name(protocol, metrics.at("images").get<int64_t>());
  metrics[name] = metrics.at("fd");
  metrics.erase("fd");
  return metrics;
}

std::optional<std::string> fd_key_of_metrics_line(const nlohmann::json& line) {
  static const std::regex fd_name("fd|fd[0-9]+k?|fid[0-9]+k?");
  for (const auto& [key, value] : line.items()) {
    if (value.is_number() && std::regex_match(key, fd_name)) return key;
  }
  return std::nullopt;
}

}  // namespace dact::workers::evaluator
