#!/usr/bin/env python3
"""link2g: an emulated 2G link between two network namespaces, in user space
(scripts/bench-2g.sh). This kernel has no netem qdisc, so the link is a
program: each namespace has a TUN device, and every IP packet from one is
delivered to the other after the link's rate, delay and loss.

usage: link2g.py NETNS_A TUN_A NETNS_B TUN_B RATE_BPS DELAY_MS LOSS SEED

Per direction, as `tc qdisc add dev D root netem delay DELAY_MS rate RATE
loss LOSS` would on both ends: a packet waits for the link to be free, takes
len*8/RATE s to serialise, then DELAY_MS to arrive; it is dropped with
probability LOSS (independent per packet, random.Random(SEED)); a queue of
more than 1000 packets drops the newest (netem's limit). SIGUSR1 cuts the link
(every packet dropped) until SIGUSR2. Runs until SIGTERM.
"""
import ctypes
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CLONE_NEWNET = 0x40000000
QUEUE_LIMIT = 1000

libc = ctypes.CDLL(None, use_errno=True)


def open_tun(netns, name):
    """Open TUN device name inside netns (the fd stays bound to it)."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    ns = os.open("/run/netns/" + netns, os.O_RDONLY)
    if libc.setns(ns, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + netns)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    libc.setns(home, CLONE_NEWNET)
    os.close(ns)
    os.close(home)
    os.set_blocking(fd, False)
    return fd


def main():
    ns_a, tun_a, ns_b, tun_b, rate, delay_ms, loss, seed = sys.argv[1:9]
    rate, delay, loss = float(rate), float(delay_ms) / 1e3, float(loss)
    rng = random.Random(int(seed))
    fa, fb = open_tun(ns_a, tun_a), open_tun(ns_b, tun_b)
    state = {"cut": False, "stop": False}
    signal.signal(signal.SIGUSR1, lambda *_: state.update(cut=True))
    signal.signal(signal.SIGUSR2, lambda *_: state.update(cut=False))
    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    # per direction: when the link is next free, and packets queued
    free = {fa: 0.0, fb: 0.0}
    queued = {fa: 0, fb: 0}
    pending = []  # (deliver_at, seq, out_fd, from_fd, packet)
    seq = 0
    stats = {"sent": 0, "lost": 0, "bytes": 0}
    while not state["stop"]:
        now = time.monotonic()
        timeout = 0.5
        if pending:
            timeout = max(0.0, min(timeout, pending[0][0] - now))
        try:
            ready, _, _ = select.select([fa, fb], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in ready:
            out = fb if fd == fa else fa
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if state["cut"] or rng.random() < loss or queued[fd] >= QUEUE_LIMIT:
                    stats["lost"] += 1
                    continue
                start = max(now, free[fd])
                free[fd] = start + len(pkt) * 8 / rate
                seq += 1
                queued[fd] += 1
                heapq.heappush(pending, (free[fd] + delay, seq, out, fd, pkt))
        while pending and pending[0][0] <= now:
            _, _, out, src, pkt = heapq.heappop(pending)
            queued[src] -= 1
            if state["cut"]:
                stats["lost"] += 1
                continue
            try:
                os.write(out, pkt)
                stats["sent"] += 1
                stats["bytes"] += len(pkt)
            except OSError:
                pass
    sys.stderr.write("link2g: %(sent)d packets (%(bytes)d bytes) delivered, %(lost)d lost\n" % stats)


main()
