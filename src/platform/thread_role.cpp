#include "shadowproxy/platform/thread_role.hpp"

#include <pthread.h>
#include <sched.h>

namespace shadowproxy::platform {

void enter_thread_role(const char* name, thread_role role) noexcept {
    pthread_setname_np(pthread_self(), name);
    if (role == thread_role::background) {
        const sched_param param{};
        pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
    }
}

}  // namespace shadowproxy::platform
