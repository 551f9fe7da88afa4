#pragma once
// HDF5 prints its whole error stack to stderr on every failed call unless told not
// to. Linking this file turns that printing off (H5Eset_auto) and instead remembers the
// operating system's reason of the last failed file operation ("No space left on
// device"), which HDF5's exceptions only call "H5Dwrite failed". Callers hold
// hdf5_mutex() when they use HDF5 off the main thread, as for any HDF5 call.
#include <H5Cpp.h>

#include <string>

namespace dact::storage {

// "<what HDF5 says failed>: <the system error behind it>", or just the former when
// the failure was not a system call's; forgets the remembered system error.
std::string h5_error_reason(const H5::Exception& error);

}  // namespace dact::storage
