// A kl-autoencoder run's config: the bundled preset parses into an unconditional
// autoencoder whose only "sampler" is reconstruction, and its evaluation needs the
// held-out split beside the dataset, naming the key when there is none.
#include <gtest/gtest.h>

#include "config/config_error.h"
#include "launch/config/config_document.h"
#include "launch/config/run_config.h"
#include "launch/evaluation_setup.h"
#include "launch/held_out_split.h"
#include "models/autoencoding_model.h"

namespace dact::launch {
namespace {

TEST(AutoencoderRunConfig, BundledPresetIsAnUnconditionalAutoencoderOfFashionMnist) {
  const RunConfig config = parse_run_config(load_preset("fashion-mnist-autoencoder"));
  EXPECT_TRUE(models::is_autoencoding(*config.model));
  EXPECT_EQ(config.model->label_dim(), 0);
  EXPECT_EQ(config.model->image_shape().channels, 1);
  EXPECT_EQ(config.model->image_shape().resolution, 32);
  EXPECT_EQ(config.eval.sampler, "reconstruct");
  EXPECT_TRUE(config.eval.enabled);
}

TEST(AutoencoderRunConfig, EvaluationWithoutAHeldOutSplitNamesTheKey) {
  nlohmann::json document = load_preset("fashion-mnist-autoencoder");
  document["dataset"]["dir"] = "/nonexistent/dact/train";
  const RunConfig config = parse_run_config(document);
  EXPECT_EQ(held_out_dataset_dir(config), "");
  EXPECT_EQ(preview_reconstruction_dir(config), "/nonexistent/dact/train");
  try {
    reference_statistics_path(config);
    ADD_FAILURE() << "expected an error";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("config key 'eval.enabled': an autoencoder is evaluated on the held-out"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace dact::launch
