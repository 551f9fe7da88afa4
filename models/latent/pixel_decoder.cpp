#include "models/latent/pixel_decoder.h"

#include <mutex>

#include "models/latent/autoencoder_weights.h"
#include "models/pixel_range.h"
#include "storage/storage_error.h"

namespace dact::models::latent {
namespace {

class PixelSpaceDecoder : public PixelDecoder {
 public:
  torch::Tensor to_pixels(const torch::Tensor& model_space) override { return model_space_to_pixels(model_space); }
};

class AutoencoderPixelDecoder : public PixelDecoder {
 public:
  AutoencoderPixelDecoder(LoadedAutoencoder autoencoder, LatentScaling scaling)
      : autoencoder_(std::move(autoencoder)), scaling_(std::move(scaling)) {}

  torch::Tensor to_pixels(const torch::Tensor& model_space) override {
    torch::NoGradGuard no_grad;
    // EDM2 decode: undo the scaling, decode, clamp to the autoencoder's [-1, 1], to uint8.
    const torch::Tensor images = autoencoder_.model->decode(scaling_.decode(model_space));
    return model_space_to_pixels(images.clamp(-1, 1));
  }

 private:
  LoadedAutoencoder autoencoder_;
  LatentScaling scaling_;
};

}  // namespace

std::shared_ptr<PixelDecoder> pixel_space_decoder() { return std::make_shared<PixelSpaceDecoder>(); }

nlohmann::json decoder_record_to_json(const LatentDecoderRecord& record) {
  return {{"autoencoder", record.autoencoder},
          {"fingerprint", record.fingerprint},
          {"config", record.config},
          {"scaling", scaling_to_json(record.scaling)}};
}

LatentDecoderRecord decoder_record_from_json(const nlohmann::json& json, const std::string& where) {
  LatentDecoderRecord record;
  for (const char* key : {"autoencoder", "fingerprint", "scaling"}) {
    if (!json.is_object() || !json.contains(key)) throw std::invalid_argument(where + ": missing key '" + key + "'");
  }
  if (!json.at("autoencoder").is_string() || !json.at("fingerprint").is_string()) {
    throw std::invalid_argument(where + ": 'autoencoder' and 'fingerprint' must be strings");
  }
  record.autoencoder = json.at("autoencoder").get<std::string>();
  record.fingerprint = json.at("fingerprint").get<std::string>();
  record.config = json.value("config", nlohmann::json());
  record.scaling = scaling_from_json(json.at("scaling"), where + ".scaling");
  return record;
}

std::shared_ptr<PixelDecoder> load_pixel_decoder(const nlohmann::json& record_json, const std::string& source) {
  if (record_json.is_null()) return pixel_space_decoder();
  LatentDecoderRecord record;
  try {
    record = decoder_record_from_json(record_json, "image_decoder");
  } catch (const std::invalid_argument& e) {
    throw storage::StorageError(source, e.what());
  }
  static std::mutex mutex;
  static std::string cached_key;
  static std::shared_ptr<PixelDecoder> cached;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = record_json.dump();
  if (cached && key == cached_key) return cached;

  LoadedAutoencoder autoencoder;
  try {
    autoencoder = load_autoencoder_weights(record.autoencoder, record.config);
  } catch (const storage::StorageError& e) {
    throw storage::StorageError(source, std::string("its autoencoder (image_decoder.autoencoder): ") + e.what());
  }
  if (autoencoder.fingerprint != record.fingerprint) {
    throw storage::StorageError(source, "image_decoder.fingerprint is " + record.fingerprint + " but " +
                                            record.autoencoder + " holds weights " + autoencoder.fingerprint +
                                            " (not the autoencoder the latents were made with)");
  }
  if (autoencoder.model->config().embed_dim != record.scaling.channels()) {
    throw storage::StorageError(source, "image_decoder.scaling has " + std::to_string(record.scaling.channels()) +
                                            " channels, the autoencoder " +
                                            std::to_string(autoencoder.model->config().embed_dim));
  }
  cached = std::make_shared<AutoencoderPixelDecoder>(std::move(autoencoder), record.scaling);
  cached_key = key;
  return cached;
}

}  // namespace dact::models::latent
