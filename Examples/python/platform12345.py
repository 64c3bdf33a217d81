#!/usr/bin/env python3
"""A 12345 government-hotline platform on Precinct's integrator gateway, over CURVE, with pyzmq.

    pip install pyzmq
    python3 platform12345.py --gateway tcp://precinct.example:7403 --router tcp://precinct.example:7402 \
        --server-key 'liaison public key (Z85)' --key platform12345.key --plan accept,return

It receives the calls 110 diverted to 12345 (topic handoff.12345.<region>, with the caller's
contact: only a key granted `handoff.12345.` receives them) and answers each on liaison's ROUTER
with the same key (op handoff.answer):

  accept   takes it on, with a work-order id of its own
  return   sends it back as a police matter, with a reason: 110 reopens it as an incident
  resolve  accepts it, then reports it resolved with an outcome

--plan lists the answers for the diversions in the order they arrive (the last one repeats).
The gateway sets the answer's `answeredBy` from the key's keyring name; the platform cannot
answer in another's name. One JSON line per diversion goes to standard output: the diversion,
and each answer with liaison's reply.
"""
import argparse
import itertools
import json
import sys
import time

import zmq

from subscriber import read_key_file


class Liaison:
    """Requests to liaison's ROUTER: a DEALER sends ['', header, body], receives ['', reply header, body]."""

    def __init__(self, context, endpoint, server_key, public, secret, timeout):
        self.socket = context.socket(zmq.DEALER)
        self.socket.curve_serverkey = server_key
        self.socket.curve_publickey = public
        self.socket.curve_secretkey = secret
        self.socket.connect(endpoint)
        self.ids = itertools.count(1)
        self.timeout_ms = int(timeout * 1000)

    def call(self, op, body):
        request_id = f"p{next(self.ids)}"
        self.socket.send_multipart([b"", json.dumps({"op": op, "id": request_id}).encode(), json.dumps(body, ensure_ascii=False).encode()])
        while self.socket.poll(self.timeout_ms):
            frames = self.socket.recv_multipart()[1:]
            header = json.loads(frames[0])
            if header.get("id") != request_id:
                continue  # a late reply to an earlier request
            return {"status": header.get("status"), "body": json.loads(frames[1]) if len(frames) > 1 and frames[1] else None}
        raise TimeoutError(f"no reply to {op} within {self.timeout_ms} ms")


def answers(action, diversion, n):
    """The answers one action sends for a diversion."""
    call_id = diversion["callId"]
    work_order = f"GD{n:06d}-{call_id}"
    if action == "accept":
        return [{"callId": call_id, "answer": "accepted", "workOrderId": work_order}]
    if action == "return":
        return [{"callId": call_id, "answer": "returned", "reason": "来电人称对方持械威胁，属警务事项"}]
    if action == "resolve":
        return [
            {"callId": call_id, "answer": "accepted", "workOrderId": work_order},
            {"callId": call_id, "answer": "resolved", "outcome": f"{diversion['department']}已处理并回访来电人"},
        ]
    raise ValueError(f"unknown action {action!r}: accept, return or resolve")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="the integrator gateway (liaison's XPUB), e.g. tcp://127.0.0.1:7403")
    parser.add_argument("--router", required=True, help="liaison's ROUTER, e.g. tcp://127.0.0.1:7402")
    parser.add_argument("--server-key", required=True, help="liaison's public key, Z85")
    parser.add_argument("--key", required=True, help="your key file (granted handoff.12345.)")
    parser.add_argument("--subscribe", default="handoff.12345.", help="the prefix to read (default: every region)")
    parser.add_argument("--plan", default="accept", help="answers in order of arrival, comma-separated (accept, return, resolve)")
    parser.add_argument("--count", type=int, default=0, help="exit after this many diversions (0: never)")
    parser.add_argument("--timeout", type=float, default=0, help="exit with status 1 after this many seconds (0: never)")
    args = parser.parse_args()

    plan = [a.strip() for a in args.plan.split(",") if a.strip()]
    public, secret = read_key_file(args.key)
    server_key = args.server_key.encode()
    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.curve_serverkey = server_key
    sub.curve_publickey = public
    sub.curve_secretkey = secret
    sub.setsockopt_string(zmq.SUBSCRIBE, args.subscribe)
    sub.connect(args.gateway)
    liaison = Liaison(context, args.router, server_key, public, secret, timeout=30)

    deadline = time.monotonic() + args.timeout if args.timeout else None
    handled = 0
    status = 0
    while not args.count or handled < args.count:
        wait_ms = 1000 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
        if deadline is not None and wait_ms == 0:
            print(f"timed out after {args.timeout} s with {handled} diversion(s)", file=sys.stderr)
            status = 1
            break
        if not sub.poll(min(wait_ms, 1000)):
            continue
        frames = sub.recv_multipart()
        if len(frames) != 3:
            print(f"ignored a message of {len(frames)} frames", file=sys.stderr)
            continue
        topic, header, payload = frames
        diversion = json.loads(payload)
        action = plan[min(handled, len(plan) - 1)]
        line = {"topic": topic.decode(), "header": json.loads(header), "diversion": diversion, "action": action, "answers": []}
        for answer in answers(action, diversion, handled + 1):
            reply = liaison.call("handoff.answer", answer)
            line["answers"].append({"answer": answer, "reply": reply})
            if reply["status"] != 200:
                status = 1
        print(json.dumps(line, ensure_ascii=False), flush=True)
        handled += 1
    sub.close(linger=0)
    liaison.socket.close(linger=0)
    context.term()
    return status


if __name__ == "__main__":
    sys.exit(main())
