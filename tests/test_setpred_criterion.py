"""SetCriterion: no-object weighting, normalisation by targets, auxiliary layers, pluggable terms."""

import pytest
import torch
import torch.nn.functional as F

from nmskit.setpred import HungarianMatcher, SetCriterion, l1_cost, l1_loss

pytestmark = pytest.mark.usefixtures("one_thread")


def _outputs(seed=0, b=2, q=4, c=2, aux=0):
    g = torch.Generator().manual_seed(seed)

    def layer():
        return {
            "logits": torch.randn(b, q, c + 1, generator=g, requires_grad=True),
            "x": torch.rand(b, q, generator=g, requires_grad=True),
        }

    out = layer()
    out["aux_outputs"] = [layer() for _ in range(aux)]
    return out


def _targets():
    return [
        {"labels": torch.tensor([0, 1]), "x": torch.tensor([0.2, 0.7])},
        {"labels": torch.tensor([1]), "x": torch.tensor([0.5])},
    ]


def _criterion(eos=0.1, x_weight=5.0):
    matcher = HungarianMatcher(1.0, {"x": (5.0, l1_cost("x"))})
    return SetCriterion(2, matcher, eos_coef=eos, loss_terms={"x": (x_weight, l1_loss("x"))})


def test_losses_match_a_hand_computation():
    out, tgt = _outputs(), _targets()
    crit = _criterion()
    losses = crit(out, tgt)
    matches = crit.matcher(out, tgt)
    classes = torch.full((2, 4), 2)
    l1 = 0.0
    for b, (rows, cols) in enumerate(matches):
        classes[b, rows] = tgt[b]["labels"][cols]
        l1 += (out["x"][b, rows] - tgt[b]["x"][cols]).abs().sum()
    weight = torch.tensor([1.0, 1.0, 0.1])
    ce = F.cross_entropy(out["logits"].reshape(-1, 3), classes.reshape(-1), weight)
    assert torch.allclose(losses["class"], ce)
    assert torch.allclose(losses["x"], l1 / 3)  # three targets in the batch
    assert torch.allclose(losses["loss"], ce + 5.0 * l1 / 3)


def test_eos_coef_weights_only_the_no_object_class():
    out, tgt = _outputs(), _targets()
    for eos in (0.01, 0.1, 1.0):
        crit = _criterion(eos=eos)
        classes = torch.full((2, 4), 2)
        for b, (rows, cols) in enumerate(crit.matcher(out, tgt)):
            classes[b, rows] = tgt[b]["labels"][cols]
        nll = F.cross_entropy(out["logits"].reshape(-1, 3), classes.reshape(-1), reduction="none")
        w = torch.where(classes.reshape(-1) == 2, eos, 1.0)
        assert torch.allclose(crit(out, tgt)["class"], (w * nll).sum() / w.sum())


def test_auxiliary_layers_get_their_own_losses():
    out = _outputs(aux=2)
    losses = _criterion()(out, _targets())
    assert {"class_0", "x_0", "class_1", "x_1"} <= set(losses)
    total = sum(losses[k] * (1.0 if k.startswith("class") else 5.0) for k in losses if k != "loss")
    assert torch.allclose(losses["loss"], total)
    losses["loss"].backward()
    assert out["aux_outputs"][0]["x"].grad is not None and out["x"].grad is not None


def test_empty_targets_give_finite_loss_and_gradients():
    out = _outputs()
    empty = [{"labels": torch.zeros(0, dtype=torch.int64), "x": torch.zeros(0)}] * 2
    losses = _criterion()(out, empty)
    assert torch.isfinite(losses["loss"])
    losses["loss"].backward()
    assert out["logits"].grad is not None


def test_custom_loss_term_is_used():
    calls = []

    def term(pred, target):
        calls.append(len(pred["x"]))
        return pred["x"].sum() * 0

    matcher = HungarianMatcher(1.0, {})
    losses = SetCriterion(2, matcher, loss_terms={"mine": (1.0, term)})(_outputs(), _targets())
    assert calls == [3] and "mine" in losses
