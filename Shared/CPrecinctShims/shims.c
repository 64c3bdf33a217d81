#define _GNU_SOURCE
#include "CPrecinctShims.h"
#include <pthread.h>
#include <sys/eventfd.h>

void precinct_set_thread_name(const char *name) { (void)pthread_setname_np(pthread_self(), name); }

int precinct_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
