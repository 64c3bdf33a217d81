#ifndef PRECINCT_SHIMS_H
#define PRECINCT_SHIMS_H
/* OS calls that Swift's Glibc module does not import, under names of our own. */

/* Names the calling thread (at most 15 bytes are kept), so `top -H` and a profile show which
   thread is the engine, the bus or the HTTP server. */
void precinct_set_thread_name(const char *name);

/* A non-blocking, close-on-exec eventfd: the bus's mailbox wakes its poller with it. */
int precinct_eventfd(void);
#endif
