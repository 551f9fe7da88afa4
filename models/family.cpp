#include "models/family.h"

#include <algorithm>

#include "models/autoencoder/kl_autoencoder_family.h"
#include "models/dit/dit_families.h"
#include "models/edm/edm_family.h"
#include "models/edm2/edm2_family.h"
#include "models/mar/mar_family.h"

namespace dact::models {

const std::vector<Family>& model_families() {
  static const std::vector<Family> families{edm2_family(),     edm_family(),        dit_flow_family(),
                                             dit_ddpm_family(), dit_energy_family(), kl_autoencoder_family(),
                                             mar_family()};
  return families;
}

std::shared_ptr<const ModelSpec> parse_model_spec(const nlohmann::json& model, const std::string& model_path,
                                                  const nlohmann::json& loss, const std::string& loss_path) {
  config::ConfigReader model_reader(model, model_path);
  config::ConfigReader loss_reader(loss, loss_path);
  std::string arch = "edm2-precond";
  model_reader.optional("arch", arch);
  std::string known;
  for (const Family& family : model_families()) {
    if (family.arch != arch) {
      known += (known.empty() ? "" : ", ") + family.arch;
      continue;
    }
    std::shared_ptr<const ModelSpec> spec = family.parse(model_reader, loss_reader);
    model_reader.finish();
    loss_reader.finish();
    return spec;
  }
  throw config::ConfigError("config key '" + model_reader.key_path("arch") + "': unknown architecture '" + arch +
                            "' (known: " + known + ")");
}

std::string resolve_sampler(const std::vector<std::string>& known, const std::string& sampler) {
  if (sampler.empty()) return known.front();
  if (std::find(known.begin(), known.end(), sampler) != known.end()) return sampler;
  std::string names;
  for (const std::string& name : known) names += (names.empty() ? "" : ", ") + name;
  throw std::invalid_argument("unknown sampler '" + sampler + "' (this model samples with: " + names + ")");
}

void refuse_edm_sampling_options(const SamplingOptions& options, const std::string& arch) {
  if (options.edm.any()) {
    throw std::invalid_argument("sampler controls (" + options.edm.describe() + ")" +
                                " belong to the EDM-preconditioned families' samplers; " + arch + " has none");
  }
  if (options.guide != nullptr) {
    throw std::invalid_argument("autoguidance (a guide network) needs an EDM-preconditioned family; " + arch +
                                " has none");
  }
}

void refuse_mcmc_sampling_options(const SamplingOptions& options, const std::string& arch) {
  if (options.mcmc.any()) {
    throw std::invalid_argument("MCMC refinement controls (" + options.mcmc.describe() +
                                ") belong to the energy family (dit-energy); " + arch + " has no energy to refine on");
  }
}

void refuse_masked_generation_options(const SamplingOptions& options, const std::string& arch) {
  if (options.masked.any()) {
    throw std::invalid_argument("masked-generation controls (" + options.masked.describe() +
                                ") belong to the mar family; " + arch + " samples without rounds of tokens");
  }
}

}  // namespace dact::models
