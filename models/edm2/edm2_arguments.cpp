#include "models/edm2/edm2_arguments.h"

namespace dact::models {

void read_edm2_precond_arguments(config::ConfigReader& reader, Edm2PrecondConfig& config) {
  Edm2UNetConfig& unet = config.unet;
  Edm2BlockConfig& block = unet.block;
  reader.optional("img_resolution", unet.img_resolution);
  reader.optional("img_channels", unet.img_channels);
  reader.optional("label_dim", unet.label_dim);
  // EDM2 runs its U-Net in float16 on CUDA; dact's networks run in float32 only, so
  // `true` would be a setting that does nothing.
  bool use_fp16 = false;
  reader.optional("use_fp16", use_fp16);
  if (use_fp16) {
    throw config::ConfigError("config key '" + reader.key_path("use_fp16") +
                              "': float16 is not supported (dact runs networks in float32); remove the key or set it false");
  }
  reader.optional("sigma_data", config.sigma_data);
  reader.optional("logvar_channels", config.logvar_channels);
  reader.optional("model_channels", unet.model_channels);
  reader.optional("channel_mult", unet.channel_mult);
  reader.optional("channel_mult_noise", unet.channel_mult_noise);
  reader.optional("channel_mult_emb", unet.channel_mult_emb);
  reader.optional("num_blocks", unet.num_blocks);
  reader.optional("attn_resolutions", unet.attn_resolutions);
  reader.optional("label_balance", unet.label_balance);
  reader.optional("concat_balance", unet.concat_balance);
  reader.optional("resample_filter", block.resample_filter);
  reader.optional("channels_per_head", block.channels_per_head);
  reader.optional("dropout", block.dropout);
  reader.optional("res_balance", block.res_balance);
  reader.optional("attn_balance", block.attn_balance);
  reader.optional("clip_act", block.clip_act);
}

}  // namespace dact::models
