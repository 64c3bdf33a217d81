/* The raw libzmq PUB→SUB rate on this machine: the yardstick `make bench` compares Precinct with.
 * usage: zmq_pubsub pub|sub ENDPOINT SIZE COUNT [FRAMES]
 * The subscriber binds and prints "msgs/s"; the publisher connects, waits for the connection,
 * sends COUNT messages of SIZE bytes as fast as it can, high-water marks unlimited.
 * FRAMES 3: each message is the bus's shape, like for like — a topic frame (18 bytes), a header
 * frame (160 bytes, an encoded EventHeader's size) and the SIZE-byte payload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) { fprintf(stderr, "usage: %s pub|sub ENDPOINT SIZE COUNT [FRAMES]\n", argv[0]); return 2; }
    int frames = argc == 6 ? atoi(argv[5]) : 1;
    int pub = strcmp(argv[1], "pub") == 0;
    size_t size = (size_t)atol(argv[3]);
    long count = atol(argv[4]);
    int zero = 0;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, pub ? ZMQ_PUB : ZMQ_SUB);
    zmq_setsockopt(s, pub ? ZMQ_SNDHWM : ZMQ_RCVHWM, &zero, sizeof zero);
    if (pub) {
        if (zmq_connect(s, argv[2]) != 0) { perror("connect"); return 1; }
        usleep(500000); /* let the subscription reach the publisher (bench only, not a test) */
        char *buf = calloc(1, size);
        char topic[18], header[160];
        memset(topic, 't', sizeof topic);
        memset(header, 'h', sizeof header);
        for (long i = 0; i < count; i++) {
            if (frames == 3) {
                zmq_send(s, topic, sizeof topic, ZMQ_SNDMORE);
                zmq_send(s, header, sizeof header, ZMQ_SNDMORE);
            }
            zmq_send(s, buf, size, 0);
        }
        zmq_send(s, "", 0, 0); /* end marker */
        sleep(1);
    } else {
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
        if (zmq_bind(s, argv[2]) != 0) { perror("bind"); return 1; }
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        long n = 0;
        double start = 0;
        for (;;) {
            zmq_msg_recv(&msg, s, 0);
            if (zmq_msg_size(&msg) == 0) break;
            if (zmq_msg_more(&msg)) continue; /* count whole messages */
            if (n++ == 0) start = now();
        }
        double secs = now() - start;
        printf("%.0f\n", (n - 1) / secs);
        zmq_msg_close(&msg);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}
