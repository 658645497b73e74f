"""HungarianMatcher: optimal against brute force, batched equals per-item, empty targets."""

import itertools
import math

import numpy as np
import pytest
import torch

from nmskit.setpred import HungarianMatcher, angle_cost, l1_cost

pytestmark = pytest.mark.usefixtures("one_thread")


def _problem(seed, b=2, q=5, sizes=(3, 2), classes=3):
    g = torch.Generator().manual_seed(seed)
    outputs = {"logits": torch.randn(b, q, classes + 1, generator=g), "x": torch.rand(b, q, 2, generator=g)}
    targets = [
        {"labels": torch.randint(0, classes, (t,), generator=g), "x": torch.rand(t, 2, generator=g)} for t in sizes
    ]
    return outputs, targets


def _matcher():
    return HungarianMatcher(class_weight=1.0, cost_terms={"l1": (5.0, l1_cost("x"))})


def _brute_force(cost):
    """Minimum total cost over all injective maps targets -> queries; cost [Q, T]."""
    q, t = cost.shape
    return min(sum(cost[p[j], j] for j in range(t)) for p in itertools.permutations(range(q), t))


@pytest.mark.parametrize("seed", range(8))
def test_optimal_against_brute_force(seed):
    outputs, targets = _problem(seed, b=1, q=6, sizes=(4,))
    m = _matcher()
    ((rows, cols),) = m(outputs, targets)
    cost = m.cost_matrix(outputs, targets).double().numpy()  # [Q, T]
    assert len(rows) == 4 and len(set(rows.tolist())) == 4 and sorted(cols.tolist()) == [0, 1, 2, 3]
    assert cost[rows, cols].sum() == pytest.approx(_brute_force(cost), abs=1e-9)


def test_cost_is_weighted_sum_of_terms():
    outputs, targets = _problem(0, b=1, q=3, sizes=(2,))
    prob = outputs["logits"][0].softmax(-1)[:, targets[0]["labels"]]
    l1 = torch.cdist(outputs["x"][0], targets[0]["x"], p=1)
    expected = -2.0 * prob + 3.0 * l1
    got = HungarianMatcher(2.0, {"l1": (3.0, l1_cost("x"))}).cost_matrix(outputs, targets)
    assert torch.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_batched_equals_single(seed):
    outputs, targets = _problem(seed, b=3, q=5, sizes=(3, 0, 5))
    m = _matcher()
    batched = m(outputs, targets)
    for i in range(3):
        single = m({k: v[i : i + 1] for k, v in outputs.items()}, [targets[i]])[0]
        assert torch.equal(batched[i][0], single[0]) and torch.equal(batched[i][1], single[1])


def test_empty_targets():
    outputs, targets = _problem(0, b=2, q=4, sizes=(0, 0))
    for rows, cols in _matcher()(outputs, targets):
        assert rows.numel() == 0 and cols.numel() == 0 and rows.dtype == torch.int64


def test_more_targets_than_queries_matches_every_query():
    outputs, targets = _problem(1, b=1, q=3, sizes=(5,))
    ((rows, cols),) = _matcher()(outputs, targets)
    assert sorted(rows.tolist()) == [0, 1, 2] and len(set(cols.tolist())) == 3


def test_wrong_number_of_targets():
    outputs, targets = _problem(0)
    with pytest.raises(ValueError, match="targets"):
        _matcher()(outputs, targets[:1])


def test_angle_cost_is_circular():
    def vec(deg):
        r = np.deg2rad(np.asarray(deg, dtype=np.float64))
        return torch.as_tensor(np.stack([np.cos(r), np.sin(r)], 1), dtype=torch.float32)

    cost = angle_cost("a")({"a": vec([359.0, 180.0])}, {"a": vec([1.0, 0.0])})
    assert cost[0, 0] == pytest.approx(2 / 180, abs=1e-5)  # 359 and 1 are 2 degrees apart
    assert cost[1, 1] == pytest.approx(1.0, abs=1e-5)  # opposite directions: the maximum
    assert math.isclose(float(cost[0, 1]), 1 / 180, abs_tol=1e-5)
