#pragma once
// `dact model forward --arch kl-autoencoder`: input images (encoded: mean, logvar, and
// reconstruction = decode(mean)) and/or z (decoded: decoded_z).
#include "models/reference_forward.h"

namespace dact::models::autoencoder {

ReferenceForward kl_autoencoder_forward();

}  // namespace dact::models::autoencoder
