"""CTI bridge fan-out: delivery latency from the PBX event to the desktop's socket.

N simulated desktops (a separate client process, so reading does not share the bridge's loop)
connect to the real BridgeServer on loopback and say hello; a simulated PBX plays queue calls at
--calls-per-s: queue.join (to supervisors and the queue's members: pre-warm), call.ringing,
call.answered 0.5 s later, call.ended 1.5 s later, and agent.state changes. Each event carries its
monotonic emission time; the client measures arrival - emission on every line.

Baseline, measured in the same run with the same client: a bare asyncio server that writes the
same messages (json-encoded once per event) to the same recipients -- what the fan-out costs
without the bridge's routing, ring legs and per-desktop rewriting. Reported: p50/p99/max for both,
the ratio, memory per connection (RSS growth of the bridge process / N), CPU share of the bridge.

Latency is measured per EVENT, not per line: the bridge sends supervisors their floor events in
`batch` lines (one per feed tick, desktop/cti/bridge/fanout.py) and writes each desktop's lines of
one loop iteration together, while the baseline writes one line per event per recipient as it
comes. Both deliver the same events (`latency.n`; `lines` differs), each measured from its own
emission stamp, so the batching's wait is inside the bridge's figures.

    .venv/bin/python bench/bench_bridge.py --desktops 50 --calls-per-s 20 --seconds 3  # proves it runs
    .venv/bin/python bench/bench_bridge.py                    # 2,000 desktops, 200 calls/s, 30 s

Scale: each process holds one socket per desktop (the limit is raised to desktops + 512, or the
bench says which `ulimit` to run); desktops connect at --ramp-per-s (400/s: 2,000 in ~5 s) and
retry a refused connect with backoff, as real desktops do; the run says how many connected.
Identities are static here (the central API is not what is measured): a StaticIdentities stands
in for CentralIdentities; everything else is the production code.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

if sys.platform != "win32":
    import resource

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import summary_ms, write_result  # noqa: E402

from desktop.cti.bridge.identity import Identity  # noqa: E402
from desktop.cti.bridge.server import BridgeLimits, BridgeServer  # noqa: E402
from desktop.cti.events import (  # noqa: E402
    AgentEvent,
    AgentEventKind,
    CallEvent,
    CallEventKind,
    CtiEvent,
    QueueEvent,
    QueueEventKind,
    to_wire,
)

QUEUES = 20
MARK = b'"t_ns":'


def agent_id(i: int) -> str:
    return str(10_000 + i)


def is_supervisor(i: int) -> bool:
    return i % 50 == 49


class StaticIdentities:
    async def identify(self, token: str) -> Identity:
        i = int(token.removeprefix("bench-"))
        return Identity(
            username=agent_id(i),
            agent_id=agent_id(i),
            role="supervisor" if is_supervisor(i) else "agent",
            pbx_interface="" if is_supervisor(i) else f"PJSIP/{agent_id(i)}",
            queues=(f"q{i % QUEUES}",),
            expires_at=time.time() + 86_400,
        )

    async def close(self) -> None:
        return None


class SimulatedPbx:
    def __init__(self) -> None:
        self.on_event: Any = None
        self._stop = asyncio.Event()

    def set_agent_interfaces(self, predicate: Any) -> None:
        return None

    async def run(self) -> None:
        await self._stop.wait()

    async def close(self) -> None:
        self._stop.set()

    async def execute(self, action: str, identity: Identity, command: dict[str, Any]) -> tuple[bool, str]:
        return True, "ok"


@functools.cache
def agent_indexes(desktops: int) -> tuple[int, ...]:
    return tuple(i for i in range(desktops) if not is_supervisor(i))


def call_plan(k: int, desktops: int) -> tuple[list[tuple[float, CtiEvent]], int]:
    """The events of call k as (delay s, event) with t_ns filled in at emission; its agent index."""
    agents = agent_indexes(desktops)
    a = agents[k % len(agents)]
    queue = f"q{a % QUEUES}"
    iface = f"PJSIP/{agent_id(a)}"
    cid = f"b{k}"
    member = f"Member {a}"
    return [
        (0.0, QueueEvent(QueueEventKind.JOIN, queue, 0.0, call_id=cid, caller="+8613800138000")),
        (
            0.05,
            CallEvent(
                CallEventKind.RINGING,
                cid,
                0.0,
                caller="+8613800138000",
                queue=queue,
                agent=member,
                extra={"interface": iface},
            ),
        ),
        (0.05, AgentEvent(AgentEventKind.STATE, member, 0.0, state="ringing", extra={"interface": iface})),
        (0.5, CallEvent(CallEventKind.ANSWERED, cid, 0.0, agent=member, extra={"interface": iface})),
        (0.5, AgentEvent(AgentEventKind.STATE, member, 0.0, state="busy", extra={"interface": iface})),
        (1.5, CallEvent(CallEventKind.ENDED, cid, 0.0, agent=member, extra={"interface": iface})),
        (1.5, AgentEvent(AgentEventKind.STATE, member, 0.0, state="ready", extra={"interface": iface})),
    ], a


def stamp(event: CtiEvent) -> CtiEvent:
    event.extra["t_ns"] = time.monotonic_ns()
    return event


# ---- the desktops (client process) ---------------------------------------------------------------
def client_main(port: int, share: range, seconds: float, ramp_per_s: float, conn: Any) -> None:
    conn.send(asyncio.run(_clients(port, share, seconds, ramp_per_s)))


async def _clients(port: int, share: range, seconds: float, ramp_per_s: float) -> dict[str, Any]:
    """The desktops numbered in `share` (a client process's part of the floor)."""
    desktops = len(share)
    latencies: list[int] = []
    counts = {"lines": 0, "connected": 0, "connect_retries": 0, "gave_up": 0}

    async def connect(i: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        # a full accept queue or a busy loop refuses a few: retry, as a desktop's backoff would
        for attempt in range(20):
            try:
                return await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
            except OSError:
                counts["connect_retries"] += 1
                await asyncio.sleep(min(2.0, 0.05 * 2**attempt))
        counts["gave_up"] += 1
        return None

    async def one(i: int) -> None:
        opened = await connect(i)
        if opened is None:
            return
        reader, writer = opened
        counts["connected"] += 1
        hello = {"type": "hello", "protocol": 1, "token": f"bench-{i}", "feed": "batch"}  # as desktops say
        writer.write(json.dumps(hello).encode() + b"\n")
        pending = b""
        try:
            while True:
                chunk = await reader.read(1 << 16)  # chunks, not readline: the reader must keep up
                if not chunk:
                    return
                now = time.monotonic_ns()
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                counts["lines"] += len(lines)
                for line in lines:  # every event of a line (a supervisor's batch carries many)
                    at = line.find(MARK)
                    while at >= 0:
                        end = stop = at + len(MARK)
                        while line[stop : stop + 1].isdigit():
                            stop += 1
                        latencies.append(now - int(line[end:stop]))
                        at = line.find(MARK, stop)
        except (ConnectionError, asyncio.CancelledError):
            return

    # ramp: `ramp_per_s` new connections a second, in batches of 50 (2,000 desktops: ~5 s at 400/s)
    tasks = []
    batch = 50
    for start in range(0, desktops, batch):
        tasks += [asyncio.create_task(one(i)) for i in share[start : start + batch]]
        await asyncio.sleep(batch / ramp_per_s)
    # read until the server closes every connection after its run (or give up much later)
    _done, pending_tasks = await asyncio.wait(tasks, timeout=seconds + desktops / ramp_per_s + 180.0)
    for task in pending_tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"latencies_ns": latencies, **counts}


# ---- the servers -------------------------------------------------------------------------------
async def _play(emit: Any, desktops: int, calls_per_s: float, seconds: float) -> tuple[int, float]:
    """Exactly calls_per_s * seconds calls, paced at calls_per_s; returns (calls, achieved rate)."""
    loop = asyncio.get_running_loop()
    total = int(calls_per_s * seconds)
    start = loop.time()
    for k in range(total):
        for delay, event in call_plan(k, desktops)[0]:
            loop.call_later(delay, lambda e=event: emit(stamp(e)))
        await asyncio.sleep(max(0.0, start + (k + 1) / calls_per_s - loop.time()))
    rate = total / max(1e-9, loop.time() - start)
    await asyncio.sleep(2.0)
    return total, round(rate, 1)


def _rss_kib() -> int:
    try:
        for row in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    except OSError:
        pass
    if sys.platform == "win32":
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def run_bridge(
    desktops: int, calls_per_s: float, seconds: float, ramp_per_s: float = 400.0, client_processes: int = 1
) -> dict[str, Any]:
    server = BridgeServer(
        SimulatedPbx(),
        StaticIdentities(),
        limits=BridgeLimits(max_pending_hellos_per_ip=desktops + 10, max_write_buffer=8 << 20),
    )  # type: ignore[arg-type]
    await server.start("127.0.0.1", 0)
    rss0 = _rss_kib()
    connected_now = [0]

    async def close() -> None:
        connected_now[0] = server.stats.sessions
        await _drained([peer.writer for peer in server.router.peers()])  # type: ignore[attr-defined]
        await server.close()

    result = await _drive(
        server.port,
        desktops,
        calls_per_s,
        seconds,
        server.on_pbx_event,
        lambda: server.stats.sessions,
        close,
        ramp_per_s,
        client_processes,
    )
    result["connected"] = connected_now[0]
    result["rss_per_connection_kib"] = round((result.pop("rss_connected") - rss0) / desktops, 2)
    result["dropped_slow"] = server.stats.slow_dropped
    feed = server.supervisor_feed
    result["supervisor_feed"] = {
        "tick_ms": round(feed.interval_s * 1000, 1),
        "batches": feed.batches,
        "events": feed.events_in,
        "coalesced": feed.coalesced,
    }
    return result


async def run_baseline(
    desktops: int, calls_per_s: float, seconds: float, ramp_per_s: float = 400.0, client_processes: int = 1
) -> dict[str, Any]:
    writers: dict[int, asyncio.StreamWriter] = {}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hello = json.loads(await reader.readline())
        writers[int(hello["token"].removeprefix("bench-"))] = writer
        await reader.read()

    supervisors = [i for i in range(desktops) if is_supervisor(i)]
    members: dict[str, list[int]] = {}
    for i in range(desktops):
        if not is_supervisor(i):
            members.setdefault(f"q{i % QUEUES}", []).append(i)

    def emit(event: CtiEvent) -> None:
        data = (json.dumps(to_wire(event), ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        if isinstance(event, QueueEvent):
            targets = supervisors + members.get(event.queue, [])
        else:
            a = int(event.extra["interface"].removeprefix("PJSIP/")) - 10_000
            targets = [a, *supervisors]  # agent and call events: the agent and every supervisor
        for i in targets:
            writer = writers.get(i)
            if writer is not None:
                writer.transport.write(data)

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]

    async def close() -> None:
        await _drained(list(writers.values()))
        for writer in writers.values():
            writer.transport.abort()
        server.close()

    result = await _drive(
        port, desktops, calls_per_s, seconds, emit, lambda: len(writers), close, ramp_per_s, client_processes
    )
    result.pop("rss_connected")
    return result


async def _drained(writers: list[asyncio.StreamWriter], limit_s: float = 60.0) -> None:
    """Wait until everything written has left for the client (or limit_s)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and any(w.transport.get_write_buffer_size() for w in writers):
        await asyncio.sleep(0.05)


async def _drive(
    port: int,
    desktops: int,
    calls_per_s: float,
    seconds: float,
    emit: Any,
    connected: Any,
    close: Any,
    ramp_per_s: float = 400.0,
    client_processes: int = 1,
) -> dict[str, Any]:
    # The desktops are other machines: their reading must not be what is measured. One client
    # process per share of the floor (--client-processes) so reading can use every core left.
    spawn = mp.get_context("spawn")
    pipes, procs = [], []
    for k in range(client_processes):
        parent, child = spawn.Pipe()
        share = range(k, desktops, client_processes)
        args = (port, share, seconds, ramp_per_s / client_processes, child)
        procs.append(spawn.Process(target=client_main, args=args))
        pipes.append(parent)
        procs[-1].start()
    ramp_s = time.monotonic()
    deadline = ramp_s + desktops / ramp_per_s + 60
    while connected() < desktops and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ramp_s = time.monotonic() - ramp_s
    if connected() < desktops:
        print(f"WARNING: only {connected()} of {desktops} desktops connected; measuring with those")
    rss = _rss_kib()
    cpu0, wall0 = time.process_time(), time.monotonic()
    calls, achieved = await _play(emit, desktops, calls_per_s, seconds)
    cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
    await close()
    parts = [await asyncio.to_thread(pipe.recv) for pipe in pipes]
    for proc in procs:
        await asyncio.to_thread(proc.join, 30)
    data = {key: sum(part[key] for part in parts) for key in ("lines", "connect_retries", "gave_up")}
    latencies = [n / 1e9 for part in parts for n in part["latencies_ns"]]
    return {
        "connected": connected(),
        "ramp_s": round(ramp_s, 1),
        "connect_retries": data["connect_retries"],
        "connect_gave_up": data["gave_up"],
        "calls": calls,
        "achieved_calls_per_s": achieved,
        "lines": data["lines"],
        "latency": summary_ms(latencies),
        "cpu_share": round(cpu, 3),
        "rss_connected": rss,
    }


def raise_fd_limit(desktops: int) -> bool:
    """Each process holds one socket per desktop (the spawned client inherits the limit set here);
    a hard limit too low for that is said, not found out as EMFILE half-way through."""
    if sys.platform == "win32":  # no rlimits there: sockets are bounded by memory
        return True
    need = desktops + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        print(
            f"the open-file hard limit is {hard}, {need} are needed: run `ulimit -Hn {need}` (as root) first"
        )
        return False
    if soft == resource.RLIM_INFINITY or soft >= need:
        return True
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(hard, 2 * need), hard)
    )
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desktops", type=int, default=2000)
    parser.add_argument("--calls-per-s", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ramp-per-s", type=float, default=400.0, help="new desktop connections a second")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=2,
        help="processes the simulated desktops are spread over (default 2: one per core here)",
    )
    args = parser.parse_args()
    if not raise_fd_limit(args.desktops):
        return 2
    load = (args.desktops, args.calls_per_s, args.seconds, args.ramp_per_s, args.client_processes)
    baseline = asyncio.run(run_baseline(*load))
    bridge = asyncio.run(run_bridge(*load))
    ratio = {
        k: round(bridge["latency"][k] / baseline["latency"][k], 2) if baseline["latency"][k] else None
        for k in ("p50_ms", "p99_ms", "max_ms")
    }
    payload = {
        "desktops": args.desktops,
        "calls_per_s": args.calls_per_s,
        "seconds": args.seconds,
        "client_processes": args.client_processes,
        "bridge": bridge,
        "bare_asyncio_fanout": baseline,
        "ratio_bridge_to_bare": ratio,
        "goal": "p99 < 50 ms at 2,000 desktops",
        "note": "latency per event; the bridge batches supervisors' events per feed tick and each "
        "desktop's lines per loop iteration, the baseline writes one line per event per recipient",
        "load_note": os.environ.get("CALLDESK_BENCH_NOTE", ""),
    }
    path = write_result("bench_bridge" if args.desktops >= 2000 else "bench_bridge_small", payload)
    for name, part in (("bridge", bridge), ("bare", baseline)):
        lat = part["latency"]
        print(f"{name:7} p50 {lat['p50_ms']} ms  p99 {lat['p99_ms']} ms  max {lat['max_ms']} ms", end="")
        print(
            f"  ({lat['n']} events in {part['lines']} lines, {part['achieved_calls_per_s']} calls/s, "
            f"CPU {part['cpu_share']:.0%})"
        )
    print(f"bridge memory per connection: {bridge['rss_per_connection_kib']} KiB")
    feed = bridge["supervisor_feed"]
    print(
        f"supervisor feed: {feed['events']} events in {feed['batches']} batch lines "
        f"(tick {feed['tick_ms']} ms, {feed['coalesced']} superseded states coalesced); "
        f"events delivered: bridge {bridge['latency']['n']}, bare {baseline['latency']['n']}"
    )
    for name, part in (("bridge", bridge), ("bare", baseline)):
        if part["achieved_calls_per_s"] < 0.9 * args.calls_per_s or part["connected"] < args.desktops:
            print(
                f"WARNING ({name}): {part['connected']} desktops, {part['achieved_calls_per_s']} calls/s of "
                f"{args.calls_per_s} asked: the machine could not hold the load; these are not the figures "
                "at the requested size (run it on a quiet machine)"
            )
    print(f"ratio bridge/bare: {ratio}   -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
