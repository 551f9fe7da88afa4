#pragma once
// Keeps the memory of freed tensors in the process for the next step.
//
// LibTorch on CPU allocates every tensor with malloc. By default glibc gives large freed
// blocks back to the kernel (munmap above its mmap threshold, heap trimming below it), so
// each training step faults the same pages in again: a trainer rank of the bundled run
// took 43 000 page faults/s, a third of its time in the kernel, and trained at 65 images/s
// instead of 200 (bench/results/train_throughput.md).

namespace dact::launch {

// Sets glibc's malloc to serve blocks up to 32 MiB (its largest mmap threshold) from the
// heap and never to trim the heap: a process keeps its peak memory and reuses it.
// Call before the first large allocation. Throws std::runtime_error if glibc refuses.
void keep_freed_memory_for_reuse();

}  // namespace dact::launch
