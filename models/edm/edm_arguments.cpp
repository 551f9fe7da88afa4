#include "models/edm/edm_arguments.h"

#include <string>
#include <utility>
#include <vector>

namespace dact::models::edm {
namespace {

void read_song_unet_arguments(config::ConfigReader& reader, SongUNetConfig& song) {
  reader.optional("augment_dim", song.augment_dim);
  reader.optional("model_channels", song.model_channels);
  reader.optional("channel_mult", song.channel_mult);
  reader.optional("channel_mult_emb", song.channel_mult_emb);
  reader.optional("num_blocks", song.num_blocks);
  reader.optional("attn_resolutions", song.attn_resolutions);
  reader.optional("dropout", song.dropout);
  reader.optional("label_dropout", song.label_dropout);
  reader.choice("embedding_type", song.embedding_type,
                {{"positional", EmbeddingType::positional}, {"fourier", EmbeddingType::fourier}});
  reader.optional("channel_mult_noise", song.channel_mult_noise);
  reader.choice("encoder_type", song.encoder_type,
                {{"standard", EncoderType::standard}, {"skip", EncoderType::skip}, {"residual", EncoderType::residual}});
  reader.choice("decoder_type", song.decoder_type,
                {{"standard", DecoderType::standard}, {"skip", DecoderType::skip}});
  reader.optional("resample_filter", song.resample_filter);
}

void read_dhariwal_unet_arguments(config::ConfigReader& reader, DhariwalUNetConfig& adm) {
  reader.optional("augment_dim", adm.augment_dim);
  reader.optional("model_channels", adm.model_channels);
  reader.optional("channel_mult", adm.channel_mult);
  reader.optional("channel_mult_emb", adm.channel_mult_emb);
  reader.optional("num_blocks", adm.num_blocks);
  reader.optional("attn_resolutions", adm.attn_resolutions);
  reader.optional("dropout", adm.dropout);
  reader.optional("label_dropout", adm.label_dropout);
}

}  // namespace

void read_edm_precond_arguments(config::ConfigReader& reader, EdmPrecondConfig& config) {
  reader.choice("precond", config.precond,
                {{"vp", PrecondKind::vp},
                 {"ve", PrecondKind::ve},
                 {"iddpm", PrecondKind::iddpm},
                 {"edm", PrecondKind::edm},
                 {"VPPrecond", PrecondKind::vp},
                 {"VEPrecond", PrecondKind::ve},
                 {"iDDPMPrecond", PrecondKind::iddpm},
                 {"EDMPrecond", PrecondKind::edm}});
  reader.optional("img_resolution", config.img_resolution);
  reader.optional("img_channels", config.img_channels);
  reader.optional("label_dim", config.label_dim);
  // EDM runs its network in float16 on CUDA only; dact's networks run in float32, so
  // `true` would be a setting that does nothing.
  bool use_fp16 = false;
  reader.optional("use_fp16", use_fp16);
  if (use_fp16) {
    throw config::ConfigError(
        "config key '" + reader.key_path("use_fp16") +
        "': float16 is not supported (dact runs networks in float32); remove the key or set it false");
  }

  switch (config.precond) {
    case PrecondKind::vp:
      read_vp_schedule(reader, config.vp);
      reader.optional("M", config.vp.M);
      break;
    case PrecondKind::ve:
      read_ve_schedule(reader, config.ve);
      break;
    case PrecondKind::iddpm:
      reader.optional("C_1", config.iddpm.C_1);
      reader.optional("C_2", config.iddpm.C_2);
      reader.optional("M", config.iddpm.M);
      break;
    case PrecondKind::edm:
      reader.optional("sigma_min", config.edm.sigma_min);
      reader.optional("sigma_max", config.edm.sigma_max);
      reader.optional("sigma_data", config.edm.sigma_data);
      break;
  }

  if (reader.has("model_type")) {
    ModelType model_type = config.backbone();
    reader.choice("model_type", model_type,
                  {{"SongUNet", ModelType::song_unet}, {"DhariwalUNet", ModelType::dhariwal_unet}});
    config.model_type = model_type;
  }
  if (config.backbone() == ModelType::song_unet) {
    read_song_unet_arguments(reader, config.song_unet);
  } else {
    read_dhariwal_unet_arguments(reader, config.dhariwal_unet);
  }
}

void read_vp_schedule(config::ConfigReader& reader, VpPrecondArguments& vp) {
  reader.optional("beta_d", vp.beta_d);
  reader.optional("beta_min", vp.beta_min);
  reader.optional("epsilon_t", vp.epsilon_t);
}

void read_ve_schedule(config::ConfigReader& reader, VePrecondArguments& ve) {
  reader.optional("sigma_min", ve.sigma_min);
  reader.optional("sigma_max", ve.sigma_max);
}

}  // namespace dact::models::edm
