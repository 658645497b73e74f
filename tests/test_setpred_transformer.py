"""Transformer, sine positional encodings and attention rollout."""

import math

import pytest
import torch

from nmskit.setpred import (
    Transformer,
    decoder_rollout,
    mixing_matrix,
    rollout,
    row_anchor_encoding,
    sine_position_encoding,
    to_grid,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _tiny(pre_norm=False, enc=2, dec=3):
    torch.manual_seed(0)
    return Transformer(
        d_model=16,
        nhead=2,
        num_encoder_layers=enc,
        num_decoder_layers=dec,
        dim_feedforward=32,
        dropout=0.0,
        pre_norm=pre_norm,
    ).eval()


@pytest.mark.parametrize("pre_norm", [False, True])
def test_shapes_and_captured_attention(pre_norm):
    t = _tiny(pre_norm)
    src, pos, queries = torch.randn(2, 16, 3, 4), torch.randn(1, 16, 3, 4), torch.randn(5, 16)
    hs, memory, att = t(src, pos, queries, capture_attention=True)
    assert hs.shape == (3, 2, 5, 16) and memory.shape == (2, 12, 16)
    assert [a.shape for a in att["encoder"]] == [(2, 2, 12, 12)] * 2
    assert [a.shape for a in att["decoder_self"]] == [(2, 2, 5, 5)] * 3
    assert [a.shape for a in att["decoder_cross"]] == [(2, 2, 5, 12)] * 3
    for a in att["encoder"] + att["decoder_cross"]:
        assert torch.allclose(a.sum(-1), torch.ones(()), atol=1e-5)
    assert t(src, pos, queries)[2] is None
    hs2, _, _ = t(src, pos, queries)
    assert torch.allclose(hs, hs2, atol=1e-6)


def test_pre_and_post_norm_differ():
    src, pos, queries = torch.randn(1, 16, 2, 2), torch.randn(1, 16, 2, 2), torch.randn(3, 16)
    assert not torch.allclose(_tiny(False)(src, pos, queries)[0], _tiny(True)(src, pos, queries)[0])


def test_positions_enter_queries_and_keys_not_values():
    # With zero features the values are constant, so no choice of positions can change the
    # encoder's output; with real features the positions do matter (through the attention).
    t = _tiny(enc=2, dec=1)
    zeros, queries = torch.zeros(1, 16, 3, 3), torch.randn(2, 16)
    pos_a, pos_b = torch.randn(1, 16, 3, 3), torch.randn(1, 16, 3, 3)
    assert torch.allclose(t(zeros, pos_a, queries)[1], t(zeros, pos_b, queries)[1], atol=1e-6)
    src = torch.randn(1, 16, 3, 3)
    assert not torch.allclose(t(src, pos_a, queries)[1], t(src, pos_b, queries)[1], atol=1e-4)


def test_bad_sizes():
    with pytest.raises(ValueError, match="nhead"):
        Transformer(d_model=10, nhead=4)
    with pytest.raises(ValueError, match="num_decoder_layers"):
        Transformer(d_model=8, nhead=2, num_decoder_layers=0)
    with pytest.raises(ValueError, match="dim"):
        sine_position_encoding(2, 2, 6)


def test_sine_encoding_shape_and_range():
    pos = sine_position_encoding(50, 23, 256, periodic_width=True)
    assert pos.shape == (256, 50, 23) and pos.abs().max() <= 1.0
    assert torch.allclose(pos[:128, :, 0], pos[:128, :, 7])  # row half constant along columns
    assert torch.allclose(pos[128:, 0], pos[128:, 9])  # column half constant along rows


def test_periodic_axis_has_no_seam():
    # similarity of two columns depends only on their circular distance
    w = 12
    cols = sine_position_encoding(1, w, 32, periodic_width=True)[16:, 0, :]  # [16, W]
    sim = cols.T @ cols  # [W, W]
    for shift in range(w):
        diag = torch.stack([sim[j, (j + shift) % w] for j in range(w)])
        assert torch.allclose(diag, diag[0].expand(w), atol=1e-5)
    linear = sine_position_encoding(1, w, 32)[16:, 0, :]
    assert not torch.allclose((linear.T @ linear)[0, w - 1], (linear.T @ linear)[0, 1], atol=1e-3)


def test_mixing_matrix_by_hand():
    heads = torch.tensor([[[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]]])  # [1, 2, 2, 2]
    # mean = [[.5, .5], [.5, .5]]; + I = [[1.5, .5], [.5, 1.5]]; rows / 2
    expected = torch.tensor([[[0.75, 0.25], [0.25, 0.75]]])
    assert torch.allclose(mixing_matrix(heads), expected)


def test_rollout_by_hand():
    a1 = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])  # swap -> mixing [[.5, .5], [.5, .5]]
    a2 = torch.tensor([[[1.0, 0.0], [1.0, 0.0]]])  # all to 0 -> mixing [[1, 0], [.5, .5]]
    m1 = torch.tensor([[0.5, 0.5], [0.5, 0.5]])
    m2 = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    assert torch.allclose(rollout([a1, a2])[0], m2 @ m1)
    assert torch.allclose(rollout([a1])[0], m1)
    identity = torch.eye(3)[None]  # attention to self only: rollout stays the identity
    assert torch.allclose(rollout([identity, identity, identity]), identity)
    with pytest.raises(ValueError, match="at least one"):
        rollout([])


def test_decoder_rollout_by_hand():
    enc = [torch.tensor([[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]])]  # [1, 3, 3]
    dec_self = [torch.tensor([[[0.0, 1.0], [0.0, 1.0]]])]  # [1, 2, 2]
    cross = [torch.rand(1, 2, 3), torch.tensor([[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]])]
    r_ii = mixing_matrix(enc[0])
    r_qq = mixing_matrix(dec_self[0])
    expected = r_qq[0].T @ cross[-1][0] @ r_ii[0]
    got = decoder_rollout(enc, dec_self, cross)
    assert torch.allclose(got[0], expected)
    # hand values: r_qq = [[.5, .5], [0, 1]], r_ii = [[1, 0, 0], [0, .5, .5], [0, 0, 1]]
    assert torch.allclose(got[0], torch.tensor([[0.0, 0.25, 0.25], [1.0, 0.25, 0.25]]))
    # without an encoder, R_ii is the identity
    assert torch.allclose(decoder_rollout([], dec_self, cross)[0], r_qq[0].T @ cross[-1][0])
    assert to_grid(got, 1, 3).shape == (1, 2, 1, 3)
    with pytest.raises(ValueError, match="tokens"):
        to_grid(got, 2, 2)


def test_rollout_of_a_real_model_lies_on_the_grid():
    t = _tiny()
    with torch.no_grad():
        _, _, att = t(torch.randn(1, 16, 3, 4), torch.randn(1, 16, 3, 4), torch.randn(5, 16), True)
    maps = to_grid(decoder_rollout(att["encoder"], att["decoder_self"], att["decoder_cross"]), 3, 4)
    assert maps.shape == (1, 5, 3, 4) and (maps >= 0).all()
    assert math.isclose(float(maps.sum()), 5.0, rel_tol=1e-5)  # total mass = number of queries


def test_row_anchor_encoding_equals_the_grid_rows_at_cell_centres():
    pos = sine_position_encoding(7, 5, 32, periodic_width=True)  # [32, 7, 5]
    centres = (torch.arange(7) + 0.5) / 7
    enc = row_anchor_encoding(centres, 32)  # [7, 32]
    assert torch.allclose(enc[:, :16], pos[:16, :, 0].T, atol=1e-6)
    assert torch.all(enc[:, 16:] == 0)
    with pytest.raises(ValueError, match="dim"):
        row_anchor_encoding(centres, 30)
