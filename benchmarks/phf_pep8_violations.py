"""Count the pycodestyle codes in PEP8 samples of the MLE and conditional models at the `small` preset.

A diagnostic, not a timing: it trains the two models as `phf/pep8` does (same config, corpus and seed), samples
`--samples` unconditional samples of each length in `--tokens`, and prints the violations per character and the
most common codes. It shows what the misalignment score of small models is made of: at 410k training tokens the
samples are not yet valid Python, and most violations come from syntax (unclosed brackets, tokenizer errors) and
indentation rather than from style. Takes about 2 minutes on 2 cores.

Example:
    .venv/bin/python benchmarks/phf_pep8_violations.py --threads 2
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io


def violation_codes(text: str) -> list[str]:
    "The pycodestyle codes of `text`, one per violation, with pycodestyle's default ignore list."
    import pycodestyle

    style = pycodestyle.StyleGuide(quiet=True)
    codes = []

    class Collect(pycodestyle.BaseReport):
        def error(self, line_number, offset, message, check):
            code = message[:4]
            if self._ignore_code(code):
                return None
            codes.append(code)
            return code

    # As the PEP8 scorer does for samples, a missing final newline is not counted.
    lines = (text if text.endswith("\n") else text + "\n").splitlines(keepends=True)
    checker = pycodestyle.Checker(lines=lines, options=style.options, report=Collect(style.options))
    try:
        checker.check_all()
    except (SyntaxError, ValueError, IndexError, TypeError):
        codes.append("(pycodestyle stopped)")
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=96, help="samples per model and length (default: 96)")
    parser.add_argument("--tokens", type=int, nargs="+", default=[48, 120], help="sample lengths (default: 48 120)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    parser.add_argument("--top", type=int, default=10, help="codes to list per row (default: 10)")
    args = parser.parse_args()

    from papers_nbdev.phf.experiments import PEP8Config, prepare_task, train_model
    from papers_nbdev.phf.training import decode_sample, sample_unconditionally

    setup = prepare_task(PEP8Config(threads=args.threads))
    print(f"{'model':12s} {'tokens':>6s} {'chars/sample':>12s} {'violations/char':>15s}  most common codes")
    for objective in ("mle", "conditional"):
        with contextlib.redirect_stdout(io.StringIO()):  # keeps the Trainer's loss lines out of the table
            model, _ = train_model(setup, objective)
        conditional = objective == "conditional"
        for tokens in args.tokens:
            samples = sample_unconditionally(model, setup.tokenizer, args.samples, tokens, conditional, seed=0,
                                             allow_aligned=conditional and setup.settings.generate_aligned)
            texts = [decode_sample(setup.tokenizer, s) for s in samples]
            counts = collections.Counter(code for text in texts for code in violation_codes(text))
            characters = sum(map(len, texts))
            common = ", ".join(f"{code} {n}" for code, n in counts.most_common(args.top))
            print(f"{objective:12s} {tokens:6d} {characters / len(texts):12.0f} "
                  f"{sum(counts.values()) / characters:15.4f}  {common}")


if __name__ == "__main__":
    main()
