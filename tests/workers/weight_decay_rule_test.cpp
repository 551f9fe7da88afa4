// AdamW's no-decay rule (weight_decay_rule.h): biases, norms, gains, embedding tables and
// position embeddings keep their values; weights of linear and conv layers decay.
#include "workers/trainer/weight_decay_rule.h"

#include <gtest/gtest.h>

#include "workers/trainer/adam.h"

namespace dact::workers::trainer {
namespace {

TEST(WeightDecayRule, ExemptsLowRankParametersAndNamedEmbeddings) {
  const std::vector<std::string> names = default_no_weight_decay_names();
  EXPECT_TRUE(applies_weight_decay("blocks.0.attn.qkv.weight", torch::zeros({12, 4}), names));
  EXPECT_TRUE(applies_weight_decay("x_embedder.proj.weight", torch::zeros({4, 3, 2, 2}), names));
  EXPECT_TRUE(applies_weight_decay("t_embedder.mlp.0.weight", torch::zeros({4, 8}), names));  // an MLP
  EXPECT_FALSE(applies_weight_decay("blocks.0.attn.qkv.bias", torch::zeros({12}), names));
  EXPECT_FALSE(applies_weight_decay("final_layer.norm.weight", torch::zeros({4}), names));
  EXPECT_FALSE(applies_weight_decay("enc.block0.emb_gain", torch::zeros({}), names));
  EXPECT_FALSE(applies_weight_decay("y_embedder.embedding_table.weight", torch::zeros({11, 4}), names));
  EXPECT_FALSE(applies_weight_decay("pos_embed", torch::zeros({1, 16, 4}), names));
  EXPECT_FALSE(applies_weight_decay("class_emb.weight", torch::zeros({10, 4}), names));
  EXPECT_FALSE(applies_weight_decay("decoder_pos_embed_learned", torch::zeros({1, 16, 4}), names));
  EXPECT_FALSE(applies_weight_decay("mask_token", torch::zeros({1, 1, 4}), names));
  // Whole components only: "pos_embed_proj" is not "pos_embed".
  EXPECT_TRUE(applies_weight_decay("pos_embed_proj.weight", torch::zeros({4, 4}), names));
  EXPECT_FALSE(applies_weight_decay("head.weight", torch::zeros({4, 4}), {"head"}));
}

TEST(WeightDecayRule, AdamWithoutWeightDecayDecaysNothing) {
  torch::Tensor weight = torch::ones({3, 3}).requires_grad_();
  Adam adam({{"weight", weight}}, AdamOptions{});
  EXPECT_TRUE(adam.decayed_parameter_names().empty());
  AdamOptions decayed;
  decayed.weight_decay = 0.1;
  // With a zero gradient Adam moves nothing, so only the decay acts: w * (1 - lr * wd).
  Adam adamw({{"weight", weight}}, decayed);
  weight.mutable_grad() = torch::zeros({3, 3});
  adamw.step(0.5);
  EXPECT_TRUE(torch::allclose(weight, torch::full({3, 3}, 1 - 0.5 * 0.1)));
}

}  // namespace
}  // namespace dact::workers::trainer
