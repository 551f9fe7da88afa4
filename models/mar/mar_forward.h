#pragma once
// `dact model forward --arch mar`: inputs latents, labels, mask (1 = masked) -> tokens
// (patchified latents), class_embedding (class_emb(labels), the last row fake_latent,
// as the reference file), encoder (forward_mae_encoder) and z (forward_mae_decoder).
#include "models/reference_forward.h"

namespace dact::models {

ReferenceForward mar_forward();

}  // namespace dact::models
