#pragma once
// NumPy .npz archives (a ZIP of NAME.npy entries, as np.savez / np.savez_compressed
// write them): reading every array, and writing some atomically (temp name, fsync,
// rename; entries stored uncompressed, as np.savez does).
#include <torch/torch.h>

#include <map>
#include <string>

namespace dact::storage {

// Array name (the entry without ".npy") -> tensor. StorageError naming the file or
// "FILE:ENTRY" on anything unreadable.
std::map<std::string, torch::Tensor> read_npz(const std::string& path);

void write_npz(const std::string& path, const std::map<std::string, torch::Tensor>& arrays);

}  // namespace dact::storage
