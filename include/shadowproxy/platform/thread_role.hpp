// How each thread of the proxy presents itself to the kernel: a name (`top -H`, `ps -L`,
// /proc/PID/task/*/comm) and a scheduling class by role.
//
// Background threads (the mirror thread, comparison pool, record writer, resolver) run as
// SCHED_BATCH: they keep their fair share of CPU, but waking one never preempts a running worker.
// On a shared core a worker therefore finishes what its event loop has ready before shadow work
// runs, and the shadow work arrives in larger batches (docs/architecture.md, "Where the mirror
// work runs", has the measurements).
#pragma once

namespace shadowproxy::platform {

enum class thread_role {
    worker,      // serves clients: the normal scheduling class
    background,  // shadow traffic, comparisons, records, name resolution
};

// Names the calling thread (at most 15 characters are kept) and applies its role. Failures are
// ignored: both are hints to the kernel, and the proxy is correct without them.
void enter_thread_role(const char* name, thread_role role) noexcept;

}  // namespace shadowproxy::platform
