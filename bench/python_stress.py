#!/usr/bin/env python3
"""The stress workload on CPython's own logging.handlers.TimedRotatingFileHandler (the reference
semantics, which is not multi-process safe): `procs` processes (fork), each a pool of `threads`
threads running its share of `tasks` tasks (dealt round-robin), each task `n` iterations of five
records <level>-<task>-<i> in the seed's format; when='S', interval=1, backupCount=0, delay=True.

Run by `concurrent-log stress --writer python` (and so by bench/peers.mjs).
Usage: python_stress.py --file F [--procs 2] [--threads 2] [--tasks 100] [--n 1000] [--when S]
"""
import argparse
import logging
import logging.handlers
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

FORMAT = "%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s"
logger = logging.getLogger("stress")


def task(t, n):
    for i in range(n):
        logger.debug(f"debug-{t}-{i}")
        logger.info(f"info-{t}-{i}")
        logger.warning(f"警告-{t}-{i}")
        logger.error(f"报错-{t}-{i}")
        logger.critical(f"严重-{t}-{i}")


def proc(tasks, threads, n):
    with ThreadPoolExecutor(max_workers=threads) as ex:
        for f in [ex.submit(task, t, n) for t in tasks]:
            f.result()
    for h in logger.handlers:
        h.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=100)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--when", default="S")
    a = ap.parse_args()
    # As the seed does: the handler is made in the parent, and the forked processes inherit it.
    h = logging.handlers.TimedRotatingFileHandler(a.file, when=a.when, interval=1, backupCount=0, delay=True, encoding="utf-8")
    h.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(h)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    ctx = multiprocessing.get_context("fork")
    ps = []
    for p in range(a.procs):
        tasks = list(range(p, a.tasks, a.procs))
        if tasks:
            ps.append(ctx.Process(target=proc, args=(tasks, a.threads, a.n)))
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    raise SystemExit(max([p.exitcode or 0 for p in ps] + [0]))


if __name__ == "__main__":
    main()
