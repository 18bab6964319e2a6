"""Time one LDS outer step and measure its peak memory for several graph sizes and unroll lengths.

One outer step is what `fit_lds` does after every chunk. It runs `tau` inner Adam steps on freshly sampled graphs,
unrolled with `create_graph=True`. It then computes the hypergradient of the validation loss with respect to the
dense (N, N) edge probabilities theta and takes the projected gradient step on theta.
The data are random: 64 features, 10 classes, theta initialised from a 10-nearest-neighbour cosine graph,
a tenth of the nodes for training and a tenth for validation.

Each configuration runs in a fresh subprocess, so that its peak memory is its own. On the CPU, "peak MiB" is the
peak resident set size (`ru_maxrss`) of that process minus its resident size after imports. It therefore includes the
data (theta alone is 4 N^2 bytes) and the kNN construction, whose peak is printed separately as "setup MiB".
It also includes memory that glibc's allocator keeps after tensors are freed, so it can exceed the peak of live
tensors by several N^2 blocks. `--exact-memory` sets glibc's `MALLOC_MMAP_THRESHOLD_` to 1 MiB in the subprocesses,
so that large tensors are unmapped when freed and the RSS peak follows the live tensors, at the cost of slower steps.
On CUDA "peak MiB" is `torch.cuda.max_memory_allocated` during the steps, which counts tensors only.

Example:
    .venv/bin/python benchmarks/lds_outer_step.py --sizes 200 500 --taus 1 5 --device cpu
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def _maxrss_mib() -> float:
    "Peak resident set size of this process in MiB (Linux reports KiB)."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(n_nodes: int, tau: int, device_name: str, repeats: int, estimator: str, threads: int | None) -> dict:
    "Run one warm-up and `repeats` timed outer steps in this process, and return the timing and memory record."
    import torch

    from papers_nbdev.data import knn_graph
    from papers_nbdev.lds.bilevel import AdamState, hypergradient
    from papers_nbdev.lds.edges import project_theta_, sample_adjacency, theta_from_graph
    from papers_nbdev.lds.gcn import GCN
    from papers_nbdev.runtime import get_device

    if threads:
        torch.set_num_threads(threads)
    device = get_device(device_name)
    imported_mib = _maxrss_mib()

    # Random data with a kNN initialisation, as kNN-LDS uses.
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(n_nodes, 64, generator=generator)
    labels = torch.randint(0, 10, (n_nodes,), generator=generator)
    theta = theta_from_graph(knn_graph(features.numpy(), 10, metric="cosine"))
    order = torch.randperm(n_nodes, generator=generator)
    train_index, val_index = order[: n_nodes // 10], order[n_nodes // 10 : n_nodes // 5]
    features, labels, theta = features.to(device), labels.to(device), theta.to(device)
    train_index, val_index = train_index.to(device), val_index.to(device)
    setup_mib = _maxrss_mib()

    model = GCN(64, 10).to(device)
    params = {name: p.detach().clone() for name, p in model.named_parameters()}
    adam_state = AdamState.zeros_like(params)
    sample_graph = functools.partial(
        sample_adjacency, estimator=estimator, generator=torch.Generator(device=device).manual_seed(1)
    )

    def outer_step():
        nonlocal params, adam_state
        chunk = hypergradient(
            model, params, adam_state, theta, features, labels, train_index, val_index,
            n_steps=tau, inner_lr=0.01, weight_decay=5e-4, sample_graph=sample_graph,
        )
        params, adam_state = chunk.params, chunk.adam_state
        with torch.no_grad():
            theta.sub_(1.0 * chunk.theta_grad)
            project_theta_(theta)
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    outer_step()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        outer_step()
        seconds.append(time.perf_counter() - started)

    if device.type == "cuda":
        peak_mib = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak_mib = _maxrss_mib() - imported_mib
    return {
        "n_nodes": n_nodes,
        "tau": tau,
        "device": str(device),
        "seconds": statistics.median(seconds),
        "peak_mib": peak_mib,
        "setup_mib": setup_mib - imported_mib if device.type != "cuda" else None,
        "threads": torch.get_num_threads(),
    }


def run_in_subprocess(n_nodes: int, tau: int, args: argparse.Namespace) -> dict:
    "Measure one configuration in a fresh Python process and return its record."
    command = [
        sys.executable, __file__, "--worker", "--sizes", str(n_nodes), "--taus", str(tau),
        "--device", args.device, "--repeats", str(args.repeats), "--estimator", args.estimator,
    ]
    if args.threads:
        command += ["--threads", str(args.threads)]
    environment = dict(os.environ)
    if args.exact_memory:
        environment["MALLOC_MMAP_THRESHOLD_"] = str(2**20)
    completed = subprocess.run(command, capture_output=True, text=True, env=environment)
    if completed.returncode != 0:
        raise RuntimeError(f"Benchmark worker for N={n_nodes}, tau={tau} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000, 2000], help="numbers of nodes N")
    parser.add_argument("--taus", type=int, nargs="+", default=[1, 5, 16], help="inner steps unrolled per outer step")
    parser.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:N or auto")
    parser.add_argument("--repeats", type=int, default=3, help="timed outer steps after one warm-up step (the median is reported)")
    parser.add_argument("--estimator", default="straight_through", choices=["straight_through", "reinforce"],
                        help="gradient estimator through the sampled graphs")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--exact-memory", action="store_true",
                        help="make glibc unmap freed large blocks, so that peak RSS follows live tensors (slower steps)")
    parser.add_argument("--worker", action="store_true", help="measure one configuration in this process and print it as JSON (used by the subprocesses)")
    args = parser.parse_args(argv)

    if args.worker:
        record = measure(args.sizes[0], args.taus[0], args.device, args.repeats, args.estimator, args.threads)
        print(json.dumps(record))
        return

    print(f"{'N':>6} {'tau':>4} {'s/outer step':>13} {'peak MiB':>9} {'setup MiB':>10}  device, threads")
    for n_nodes in args.sizes:
        for tau in args.taus:
            record = run_in_subprocess(n_nodes, tau, args)
            setup = "-" if record["setup_mib"] is None else f"{record['setup_mib']:.0f}"
            print(
                f"{n_nodes:>6} {tau:>4} {record['seconds']:>13.3f} {record['peak_mib']:>9.0f} {setup:>10}  "
                f"{record['device']}, {record['threads']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
