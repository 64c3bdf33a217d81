#ifndef PRECINCT_CZEROMQ_SHIM_H
#define PRECINCT_CZEROMQ_SHIM_H
#include <zmq.h>
#include <pthread.h>
#include <sys/eventfd.h>

/* pthread_setname_np is a GNU extension Swift's Glibc module does not import. */
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline void precinct_set_thread_name(const char *name) { (void)pthread_setname_np(pthread_self(), name); }
#endif
