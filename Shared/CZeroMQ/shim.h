#ifndef PRECINCT_CZEROMQ_SHIM_H
#define PRECINCT_CZEROMQ_SHIM_H
/* libzmq's API, nothing else: OS shims live in CPrecinctShims. */
#include <zmq.h>
#endif
