"""Outlier Exposure: the metrics against brute-force definitions, the losses, and the disjointness of outlier and OOD sets."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from papers_nbdev.oe.datasets import (OOD_PHOTOS, OUTLIER_PHOTOS, check_disjoint, image_ood_sets, natural_outliers,
                                      text_ood_sets, text_outliers)
from papers_nbdev.oe.losses import OutlierExposureLoss, margin_ranking_loss, uniform_cross_entropy
from papers_nbdev.oe.metrics import aupr, auroc, fpr_at_tpr, ood_metrics
from papers_nbdev.oe.models import PixelCNN


def brute_force_points(pos, neg):
    "(threshold, TPR, FPR) for every distinct score, flagging scores >= threshold, highest threshold first."
    points = []
    for threshold in sorted(set(pos) | set(neg), reverse=True):
        points.append((threshold, np.mean(pos >= threshold), np.mean(neg >= threshold)))
    return points


def brute_force_fpr95(pos, neg, target=0.95):
    "The reference's rule: among thresholds down to the first with TPR 1, the closest TPR; ties to the lowest threshold."
    candidates = []
    for threshold, tpr, fpr in brute_force_points(pos, neg):
        candidates.append((abs(tpr - target), -threshold, fpr))
        if tpr == 1.0:
            break
    best = min(c[0] for c in candidates)
    return [c for c in candidates if c[0] == best][-1][2]


def brute_force_auroc(pos, neg):
    "Share of (anomaly, normal) pairs where the anomaly scores higher, ties counting half."
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def brute_force_aupr(pos, neg):
    "Average precision: precision at each distinct threshold times the recall gained there."
    area, last_recall = 0.0, 0.0
    for threshold, tpr, _ in brute_force_points(pos, neg):
        caught, flagged = np.sum(pos >= threshold), np.sum(pos >= threshold) + np.sum(neg >= threshold)
        area += (tpr - last_recall) * caught / flagged
        last_recall = tpr
    return area


@pytest.mark.parametrize("seed", range(40))
def test_metrics_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    pos = rng.integers(0, 6, rng.integers(1, 30)).astype(float) + 1  # few levels: many ties
    neg = rng.integers(0, 6, rng.integers(1, 30)).astype(float)
    assert fpr_at_tpr(pos, neg) == brute_force_fpr95(pos, neg)
    assert auroc(pos, neg) == pytest.approx(brute_force_auroc(pos, neg))
    assert aupr(pos, neg) == pytest.approx(brute_force_aupr(pos, neg))


def test_fpr95_hand_case():
    # Anomalies 4, 3, 2, 1 and normal 3, 0, 0, 0: TPR first reaches 1 at threshold 1, flagging one normal of four.
    assert fpr_at_tpr([4, 3, 2, 1], [3, 0, 0, 0]) == 0.25


def test_mix_uses_one_ood_per_five_normal():
    # All scores tied: average precision is the share of anomalies in the mix, 20 / (20 + 100).
    assert ood_metrics(np.zeros(1000), np.zeros(100))["aupr"] == pytest.approx(1 / 6)


def test_oe_loss_is_log_sum_exp_form():
    torch.manual_seed(0)
    logits_in, logits_out = torch.randn(8, 5, dtype=torch.float64), torch.randn(6, 5, dtype=torch.float64)
    targets = torch.randint(0, 5, (8,))
    uniform = torch.full((6, 5), 0.2, dtype=torch.float64)
    cross_entropy_to_uniform = -(uniform * F.log_softmax(logits_out, dim=1)).sum(dim=1).mean()
    expected = F.cross_entropy(logits_in, targets) + 0.5 * cross_entropy_to_uniform
    assert OutlierExposureLoss(0.5)(logits_in, targets, logits_out).item() == pytest.approx(expected.item(), abs=1e-12)


def test_oe_term_minimised_by_uniform_logits():
    equal = uniform_cross_entropy(torch.full((1, 10), 3.0, dtype=torch.float64)).item()
    assert equal == pytest.approx(math.log(10), abs=1e-12)
    for seed in range(5):
        other = uniform_cross_entropy(torch.randn(1, 10, generator=torch.Generator().manual_seed(seed))).item()
        assert other > math.log(10)


def test_margin_ranking_by_hand():
    # Pairs (in 100, out 120) and (in 150, out 400) with margin 50: violations 30 and 0.
    assert margin_ranking_loss(torch.tensor([100.0, 150.0]), torch.tensor([120.0, 400.0]), 50.0).item() == 15.0


def test_bits_per_dim_of_uniform_model_is_eight():
    model = PixelCNN(channels=4, n_blocks=1)
    with torch.no_grad():
        model.head[-1].weight.zero_()
        model.head[-1].bias.zero_()
    assert model.bits_per_dim(torch.zeros(1, 1, 28, 28)).item() == pytest.approx(8.0, abs=1e-5)


def test_outlier_and_ood_photographs_differ():
    assert not set(OUTLIER_PHOTOS) & set(OOD_PHOTOS)


@pytest.mark.parametrize("in_dist", ["mnist", "fashion_mnist"])
def test_image_outliers_disjoint_from_ood_sets(in_dist):
    check_disjoint(natural_outliers(3000), image_ood_sets(in_dist, 300))


def test_text_outliers_disjoint_from_ood_sets():
    check_disjoint(text_outliers(5000), text_ood_sets(1000))


def test_disjointness_check_catches_overlap():
    outliers = text_outliers(50)
    with pytest.raises(ValueError, match="1 examples of the OOD set 'leak'"):
        check_disjoint(outliers, {"leak": [outliers[7].upper()]})
