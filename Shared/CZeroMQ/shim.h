#ifndef PRECINCT_CZEROMQ_SHIM_H
#define PRECINCT_CZEROMQ_SHIM_H
#include <zmq.h>
#include <sys/eventfd.h>
#endif
