#!/usr/bin/env python3
"""Receive Precinct enterprise alerts from the integrator gateway, over CURVE, with pyzmq.

    pip install pyzmq
    python3 subscriber.py --endpoint tcp://precinct.example:7403 \
        --server-key 'liaison public key (Z85)' --key acme.key \
        --subscribe alert.enterprise.E0042 --subscribe cap.enterprise.E0042

--key is the key file `precinct keys generate acme --role integrator --grant …` wrote; the
operator keeps the public half in the keyring. Subscribe only inside your grants: anything else
is refused by the gateway (and logged there), so it simply never arrives.

Each message is three frames: topic, header (JSON), payload (JSON; CAP 1.2 XML on cap.*).
One JSON line per message goes to standard output.
"""
import argparse
import json
import sys
import time

import zmq


def read_key_file(path):
    """The 'public-key = …' and 'secret-key = …' lines of a Precinct key file."""
    keys = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition("=")
            keys[name.strip()] = value.strip()
    try:
        return keys["public-key"].encode(), keys["secret-key"].encode()
    except KeyError as missing:
        sys.exit(f"{path}: no {missing} line")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="the gateway, e.g. tcp://127.0.0.1:7403")
    parser.add_argument("--server-key", required=True, help="the gateway's (liaison's) public key, Z85")
    parser.add_argument("--key", required=True, help="your key file")
    parser.add_argument("--subscribe", action="append", required=True, help="a topic prefix (repeatable)")
    parser.add_argument("--count", type=int, default=0, help="exit after this many messages (0: never)")
    parser.add_argument("--timeout", type=float, default=0, help="exit with status 1 after this many seconds (0: never)")
    args = parser.parse_args()

    public, secret = read_key_file(args.key)
    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.curve_serverkey = args.server_key.encode()
    sub.curve_publickey = public
    sub.curve_secretkey = secret
    for prefix in args.subscribe:
        sub.setsockopt_string(zmq.SUBSCRIBE, prefix)
    sub.connect(args.endpoint)

    deadline = time.monotonic() + args.timeout if args.timeout else None
    received = 0
    while not args.count or received < args.count:
        wait_ms = 1000 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
        if deadline is not None and wait_ms == 0:
            print(f"timed out after {args.timeout} s with {received} message(s)", file=sys.stderr)
            return 1
        if not sub.poll(min(wait_ms, 1000)):
            continue
        frames = sub.recv_multipart()
        if len(frames) != 3:
            print(f"ignored a message of {len(frames)} frames", file=sys.stderr)
            continue
        topic, header, payload = frames
        is_xml = topic.startswith(b"cap.")
        line = {
            "topic": topic.decode(),
            "header": json.loads(header),
            "payload": payload.decode() if is_xml else json.loads(payload),
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
        received += 1
    sub.close(linger=0)
    context.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
