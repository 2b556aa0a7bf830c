#!/usr/bin/env python3
"""link_proxy: a TCP proxy on loopback that makes the kiosk's link slow and
can cut it (tests/e2e/agent_link.sh).

usage: link_proxy.py PORT_FILE TARGET_PORT RATE_BPS CUT_AFTER LOG

Listens on 127.0.0.1, port 0 (written to PORT_FILE), and forwards every
connection to 127.0.0.1:TARGET_PORT. The kiosk's bytes towards the hub go at
most RATE_BPS bytes a second (0: unlimited), on each connection. Once
CUT_AFTER of the kiosk's bytes have gone through, over all connections, the
connection carrying them is cut, both sides reset, and the link stays down:
every later connection is reset at once (0: never).
One line per connection goes to LOG:
"conn N up BYTES down BYTES cut 0|1". Runs until killed.
"""
import socket
import struct
import sys
import threading
import time

port_file, target, rate, cut_after, log_path = sys.argv[1:6]
target, rate, cut_after = int(target), int(rate), int(cut_after)
log_lock = threading.Lock()
total = {"up": 0, "cut": cut_after <= 0}


def reset(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        pass


def serve(n, client):
    if total["cut"] and cut_after > 0:
        reset(client)
        with log_lock, open(log_path, "a") as f:
            f.write("conn %d refused: the link is down\n" % n)
        return
    hub = socket.create_connection(("127.0.0.1", target))
    state = {"up": 0, "down": 0, "cut": 0}

    def down():
        try:
            while True:
                data = hub.recv(65536)
                if not data:
                    break
                client.sendall(data)
                state["down"] += len(data)
        except OSError:
            pass
        try:
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=down, daemon=True)
    t.start()
    start = time.monotonic()
    try:
        while True:
            data = client.recv(1024)
            if not data:
                hub.shutdown(socket.SHUT_WR)
                break
            with log_lock:
                cut = not total["cut"] and total["up"] + len(data) >= cut_after
                if cut:
                    data = data[: max(0, cut_after - total["up"])]
                    total["cut"] = True
                total["up"] += len(data)
            if cut:
                hub.sendall(data)
                state["up"] += len(data)
                state["cut"] = 1
                reset(client)
                reset(hub)
                break
            hub.sendall(data)
            state["up"] += len(data)
            if rate > 0:
                # Sleep until the bytes so far fit the rate.
                ahead = state["up"] / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    t.join(timeout=120)
    with log_lock, open(log_path, "a") as f:
        f.write("conn %d up %d down %d cut %d\n" % (n, state["up"], state["down"], state["cut"]))
    for s in (client, hub):
        try:
            s.close()
        except OSError:
            pass


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(port_file + ".tmp", port_file)
    n = 0
    while True:
        client, _ = ls.accept()
        n += 1
        threading.Thread(target=serve, args=(n, client), daemon=True).start()


main()
