#pragma once
// NumPy's .npy format (numpy/lib/format.py, versions 1.0-3.0), for the arrays of .npz
// files other tools write (EDM's and ADM's reference statistics): little-endian or
// byte-order-free dtypes f2, f4, f8, i4, i8, u1 and b1, C order. A Fortran-order array,
// another dtype or a malformed header is a StorageError naming `name`.
#include <torch/torch.h>

#include <string>
#include <string_view>

namespace dact::storage {

torch::Tensor decode_npy(std::string_view bytes, const std::string& name);

// Version 1.0, header padded to a multiple of 64 bytes as numpy writes it.
std::string encode_npy(const torch::Tensor& tensor);

}  // namespace dact::storage
