"""Throughput of the Outlier Exposure models on this machine, and what each `small` preset costs.

For each model (the ConvNet on 28x28 images, the GRU on texts of up to 64 tokens, the PixelCNN on 28x28 images)
it times training steps with and without the OE term and scoring in eval mode, and prints examples per second.
It then multiplies those rates by the number of examples each `small` preset pushes through its model. That gives
an estimate of the preset's training and scoring time, printed next to the wall time that the runner recorded in
`results/oe/<name>.json` when such a record exists. The estimate leaves out data loading and notebook start-up,
so the recorded time is the larger of the two.

The inputs are random tensors of the real shapes (texts of 8 to 40 tokens); the rates do not depend on the values.

Example:
    .venv/bin/python benchmarks/oe_throughput.py --threads 2 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from papers_nbdev.oe.experiments import DensityConfig, TextConfig, VisionConfig
from papers_nbdev.oe.losses import DensityOELoss, OutlierExposureLoss
from papers_nbdev.oe.models import ConvNet, GRUClassifier, PixelCNN

ROOT = Path(__file__).resolve().parents[1]


def _rate(step, n_examples: int, repeats: int) -> float:
    "Examples per second of `step`, the median over `repeats` timed calls after one warm-up call."
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return n_examples / statistics.median(times)


def padded_tokens(n: int, max_len: int, vocab: int = 20_000) -> torch.Tensor:
    "Token ids with lengths from 8 to 40 (tweets are about 20 tokens long), padded with 0 to `max_len`."
    tokens = torch.randint(1, vocab, (n, max_len))
    lengths = torch.randint(8, 41, (n, 1))
    return tokens * (torch.arange(max_len) < lengths)


def classifier_rates(model, make_inputs, batch: int, outlier_batch: int, lam: float, repeats: int) -> dict[str, float]:
    "Training examples per second without and with the OE term, and scoring examples per second."
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    inputs, outliers = make_inputs(batch), make_inputs(outlier_batch)
    targets = torch.randint(0, 3, (batch,))
    criterion = OutlierExposureLoss(lam)

    def train(with_oe: bool):
        model.train()
        logits = model(torch.cat([inputs, outliers]) if with_oe else inputs)
        loss = criterion(logits[:batch], targets, logits[batch:] if with_oe else None)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def score():
        model.eval()
        with torch.no_grad():
            model(make_inputs(500))

    return dict(train=_rate(lambda: train(False), batch, repeats),
                train_oe=_rate(lambda: train(True), batch + outlier_batch, repeats),
                score=_rate(score, 500, repeats))


def density_rates(config: DensityConfig, repeats: int) -> dict[str, float]:
    "The PixelCNN's training rate without and with the ranking term, and its scoring rate."
    model = PixelCNN(config.channels, config.n_blocks)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    images = torch.rand(config.batch_size, 1, 28, 28)
    criterion = DensityOELoss(config.lam, config.margin_per_dim)

    def train(with_oe: bool):
        model.train()
        nll = model.nll(torch.cat([images, images]) if with_oe else images)
        loss = criterion(nll[:config.batch_size], nll[config.batch_size:] if with_oe else None)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def score():
        model.eval()
        with torch.no_grad():
            model.nll(torch.rand(256, 1, 28, 28))

    return dict(train=_rate(lambda: train(False), config.batch_size, repeats),
                train_oe=_rate(lambda: train(True), 2 * config.batch_size, repeats),
                score=_rate(score, 256, repeats))


def estimate_seconds(rates: dict[str, float], train: int, train_oe: int, scored: int) -> float:
    "Seconds to push the given numbers of examples through training, OE training and scoring."
    return train / rates["train"] + train_oe / rates["train_oe"] + scored / rates["score"]


def recorded_seconds(name: str) -> str:
    path = ROOT / "results" / "oe" / f"{name}.json"
    if not path.exists():
        return "no record"
    record = json.loads(path.read_text())
    return f"{record['wall_seconds']:.0f} s ({record['preset']}, {record['device']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per measurement (the median is kept)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    vision, text, density = VisionConfig(), TextConfig(), DensityConfig()
    rates = {
        "ConvNet (28x28)": classifier_rates(ConvNet(), lambda n: torch.rand(n, 1, 28, 28), vision.batch_size,
                                            vision.outlier_batch_size, vision.lam, args.repeats),
        "GRU (8-40 tokens)": classifier_rates(GRUClassifier(20_000, 3), lambda n: padded_tokens(n, text.max_len),
                                            text.batch_size, text.outlier_batch_size, text.lam, args.repeats),
        "PixelCNN (28x28)": density_rates(density, args.repeats),
    }
    print(f"torch {torch.__version__}, {args.threads} thread(s), median of {args.repeats} calls\n")
    print(f"{'model':<18} {'train ex/s':>11} {'train+OE ex/s':>14} {'score ex/s':>11}")
    for name, rate in rates.items():
        print(f"{name:<18} {rate['train']:>11.0f} {rate['train_oe']:>14.0f} {rate['score']:>11.0f}")

    # Examples each small preset pushes through its model: training epochs, OE epochs (in-distribution batches
    # plus their outliers), and scoring of the test set and every OOD set twice (before and after OE).
    ood_vision = 6 * vision.n_test // 5
    oe_steps = vision.oe_epochs * vision.n_train // vision.batch_size
    vision_cost = len(vision.in_dists) * vision.seeds * estimate_seconds(
        rates["ConvNet (28x28)"], vision.baseline_epochs * vision.n_train,
        oe_steps * (vision.batch_size + vision.outlier_batch_size), 2 * (vision.n_test + ood_vision))
    text_steps = text.oe_epochs * text.n_train // text.batch_size
    text_cost = text.seeds * estimate_seconds(
        rates["GRU (8-40 tokens)"], text.baseline_epochs * text.n_train,
        text_steps * (text.batch_size + text.outlier_batch_size), 2 * (text.n_test + 3 * text.n_test // 5))
    density_cost = density.seeds * estimate_seconds(
        rates["PixelCNN (28x28)"], density.mle_epochs * density.n_train, 2 * density.oe_epochs * density.n_train,
        2 * (density.n_test + 6 * density.n_ood))
    print(f"\n{'small preset':<14} {'estimated model time':>21}   recorded wall time")
    for name, seconds in (("vision", vision_cost), ("text", text_cost), ("density", density_cost)):
        print(f"oe/{name:<11} {seconds:>19.0f} s   {recorded_seconds(name)}")


if __name__ == "__main__":
    main()
