#pragma once
// Freed large payload buffers, kept for the next buffer of the same size. Messages of a
// run repeat their sizes (the same weights every EMA hand-off, the same batch shape), and
// on the machines we run on a page fault is expensive (22 us per 4 KiB page in the
// Firecracker VMs of bench/results/actor_messaging.md, so first touches of a 64 MiB
// receive buffer cost 20x the copy). Thread-safe.
//
// The cache keeps the most recently released buffers: when a release would take it over
// its limit, the buffers released longest ago are freed first, so a run whose message
// sizes change (a new phase, a bigger model) does not stay stuck with stale sizes.
// Fresh buffers of >= 2 MiB are mapped on 2 MiB boundaries and advised as transparent
// huge pages, so even a miss faults once per 2 MiB instead of once per 4 KiB.
#include <cstddef>

namespace dact::actors {

// Buffers of at least this many bytes go through the cache. Smaller ones come from the
// malloc heap, which stays faulted in; from ~128 KiB glibc maps and unmaps (or trims)
// them, so without the cache a stream of 256 KiB messages faulted every page.
constexpr size_t kLargeBufferBytes = size_t{16} << 10;
// Two bandwidth windows of 4 x 64 MiB (one sent, one received) fit without a miss.
constexpr size_t kDefaultLargeBufferCacheLimitBytes = size_t{512} << 20;

// A buffer of exactly `bytes`, reused if one of that size was released, else new.
void* allocate_large_buffer(size_t bytes);
// Keeps the buffer for reuse (freeing the oldest cached buffers to stay within the limit),
// or frees it if it alone exceeds the limit.
void release_large_buffer(void* buffer, size_t bytes);
// Bytes held for reuse right now (huge-page buffers count in whole 2 MiB pages).
size_t large_buffer_cache_bytes();

// The most the cache holds; lowering it frees the oldest cached buffers at once.
size_t large_buffer_cache_limit_bytes();
void set_large_buffer_cache_limit_bytes(size_t limit_bytes);

}  // namespace dact::actors
