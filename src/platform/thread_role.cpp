#include "shadowproxy/platform/thread_role.hpp"

#include <pthread.h>
#include <sched.h>

#include <system_error>
#include <thread>

namespace shadowproxy::platform {

bool set_yielding(pthread_t thread, bool yielding) noexcept {
    const sched_param param{};
    return pthread_setschedparam(thread, yielding ? SCHED_IDLE : SCHED_BATCH, &param) == 0;
}

void enter_thread_role(const char* name, thread_role role) noexcept {
    pthread_setname_np(pthread_self(), name);
    if (role == thread_role::background) {
        set_yielding(pthread_self(), false);
    }
}

bool may_leave_idle() noexcept {
    try {
        bool back = false;
        std::thread probe([&back] {
            back = set_yielding(pthread_self(), true) && set_yielding(pthread_self(), false);
        });
        probe.join();
        return back;
    } catch (const std::system_error&) {
        return false;  // no thread to try it on: stay with SCHED_BATCH
    }
}

}  // namespace shadowproxy::platform
