#pragma once
// A labelled collection of source images for `dact dataset convert`, whatever holds
// them: a folder with one subfolder per class (image_folder.h) or EDM's dataset ZIP
// (edm_dataset_zip.h). Images are in a fixed order (sorted names) and decoded one at a
// time, so a source never needs to fit in memory. Not thread-safe.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dact::storage {

class ImageSource {
 public:
  virtual ~ImageSource() = default;

  // Label i is class_names()[i]; never empty.
  virtual const std::vector<std::string>& class_names() const = 0;
  virtual int64_t size() const = 0;
  virtual int64_t label(int64_t index) const = 0;
  // Where image `index` comes from, as errors name it (a path, or ARCHIVE:ENTRY).
  virtual std::string name(int64_t index) const = 0;
  // uint8 [3, H, W] as Pillow's convert('RGB') (image_decode.h); a corrupt image is a
  // StorageError naming name(index).
  virtual torch::Tensor decode(int64_t index) const = 0;
};

// A file ending in .zip (any case) is an EDM dataset ZIP; a directory is an image
// folder. Anything else, or a source without images, is a StorageError naming it.
std::unique_ptr<ImageSource> open_image_source(const std::string& source);

}  // namespace dact::storage
