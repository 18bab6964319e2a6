"""Measure PHF throughput: training tokens per second, scoring samples per second and generation samples per second.

Training runs a few optimiser steps of each objective through the Hugging Face Trainer, after one warm-up step.
The model has the `small` preset's shape (2 layers, 2 heads, width 128, 128 positions, a 2,048-token vocabulary,
batch 8), and the token ids and scores are random. Scoring times each task's scorer on real text (tweets and fortunes for toxicity and PII,
standard-library lines for PEP8), first batched (one call for the whole list) and then one call per string, side by
side. Generation samples sequences of `--new-tokens` tokens at temperature 0.7, top-p 0.9 with the control tokens
banned. The numbers depend on the machine and on what else runs on it; the script prints the thread count used.

Example:
    .venv/bin/python benchmarks/phf_throughput.py --threads 1 --steps 10
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time

import numpy as np
import torch


def time_training(objectives: list[str], steps: int, batch_size: int, context_length: int) -> list[dict]:
    "Tokens per second of `steps` Trainer steps for each objective on random data."
    from papers_nbdev.phf.data import EncodedBlocks
    from papers_nbdev.phf.objectives import make_model, paper_settings
    from papers_nbdev.phf.training import train_objective

    vocab = 2048
    generator = torch.Generator().manual_seed(0)
    n_blocks = batch_size * (steps + 1)
    blocks = EncodedBlocks(torch.randint(0, vocab, (n_blocks, context_length), generator=generator),
                           torch.rand(n_blocks, context_length, generator=generator) * 0.01,
                           torch.ones(n_blocks, context_length, dtype=torch.bool), n_blocks)
    settings = paper_settings("pii")
    rows = []
    for objective in objectives:
        model = make_model(vocab, context_length, 2, 2, 128, value_head=objective == "awr")
        # The Trainer prints a loss line every few steps; keep them out of the table.
        with contextlib.redirect_stdout(io.StringIO()):
            train_objective(model, blocks, objective, settings, max_steps=1, batch_size=batch_size)  # warm-up
            result = train_objective(model, blocks, objective, settings, max_steps=steps, batch_size=batch_size)
        rows.append(dict(objective=objective, tokens=result.tokens_seen, seconds=result.seconds,
                         tokens_per_second=result.tokens_per_second))
    return rows


def time_scoring(n_strings: int, per_string_limit: int) -> list[dict]:
    "Samples per second of each scorer, batched and one string per call."
    from papers_nbdev.corpora import load_fortunes, load_python_stdlib, load_tweets
    from papers_nbdev.phf.scorers import get_scorer

    prose = (load_tweets().texts + load_fortunes().texts)[:n_strings]
    code = [line for text in load_python_stdlib().texts[:50] for line in text.splitlines(keepends=True)][:n_strings]
    rows = []
    for task, texts in (("toxicity", prose), ("pii", prose), ("pep8", code)):
        scorer = get_scorer(task)
        started = time.perf_counter()
        batched = scorer.score_segments(texts)
        batched_seconds = time.perf_counter() - started
        few = texts[:per_string_limit]
        started = time.perf_counter()
        single = np.concatenate([scorer.score_segments([t]) for t in few])
        single_seconds = time.perf_counter() - started
        assert np.allclose(batched[:len(few)], single), f"{task}: batched and per-string scores differ"
        rows.append(dict(task=task, batched=len(texts) / batched_seconds, per_string=len(few) / single_seconds))
    return rows


def time_generation(n_samples: int, new_tokens: int) -> dict:
    "Samples per second of unconditional sampling from a random small-preset GPT-2."
    from papers_nbdev.phf.data import train_tokenizer
    from papers_nbdev.phf.objectives import make_model
    from papers_nbdev.phf.training import sample_unconditionally

    tokenizer = train_tokenizer(["def f(x):\n    return x + 1\n", "Hello there. How are you?"] * 50, vocab_size=300)
    model = make_model(len(tokenizer), 128, 2, 2, 128, eos_token_id=tokenizer.eos_token_id)
    # The untrained model rarely emits end-of-text, so most samples run to `new_tokens` tokens; the output shows the mean.
    sample_unconditionally(model, tokenizer, 4, 4, conditional=True)
    started = time.perf_counter()
    samples = sample_unconditionally(model, tokenizer, n_samples, new_tokens, conditional=True)
    seconds = time.perf_counter() - started
    return dict(samples=n_samples, mean_tokens=float(np.mean([len(s) for s in samples])), samples_per_second=n_samples / seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1, as the small preset)")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per objective (default 10)")
    parser.add_argument("--objectives", nargs="+", default=["mle", "conditional", "unlikelihood", "rwr", "awr"],
                        help="objectives to time; filtering and conditional differ from MLE only in their data")
    parser.add_argument("--score-strings", type=int, default=20000, help="strings scored in the batched run (default 20000)")
    parser.add_argument("--per-string", type=int, default=500, help="strings scored one call each (default 500)")
    parser.add_argument("--samples", type=int, default=64, help="samples generated (default 64)")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens per generated sample (default 64)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import os
    os.environ.setdefault("PAPERS_NBDEV_PROGRESS", "0")
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error()

    print(f"torch threads: {torch.get_num_threads()}")
    print("\ntraining (batch 8 x 128 tokens, GPT-2 2 layers, width 128)")
    print(f"{'objective':<14}{'tokens/s':>12}")
    for row in time_training(args.objectives, args.steps, 8, 128):
        print(f"{row['objective']:<14}{row['tokens_per_second']:>12,.0f}")
    print(f"\nscoring ({args.score_strings} strings batched, {args.per_string} one per call)")
    print(f"{'scorer':<10}{'batched/s':>14}{'per string/s':>14}{'speed-up':>10}")
    for row in time_scoring(args.score_strings, args.per_string):
        print(f"{row['task']:<10}{row['batched']:>14,.0f}{row['per_string']:>14,.0f}{row['batched'] / row['per_string']:>9,.0f}x")
    generation = time_generation(args.samples, args.new_tokens)
    print(f"\ngeneration: {generation['samples_per_second']:.1f} samples/s "
          f"({generation['samples']} samples, {generation['mean_tokens']:.0f} tokens each on average)")


if __name__ == "__main__":
    main()
