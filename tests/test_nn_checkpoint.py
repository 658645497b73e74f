"""The one checkpoint format (nmskit.nn.checkpoint): round trip, checksum, refusal of
corrupted, truncated or malformed files, and every shipped weight file."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import nmskit
from nmskit.borehole import DenseFractureDetector, FractureDETR
from nmskit.learned import FrameSet, ModelConfig, build_model
from nmskit.nn import Model, load_checkpoint, save_checkpoint

ROOT = Path(nmskit.__file__).parent
SHIPPED = sorted(ROOT.glob("*/weights/*.json"))


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = build_model(ModelConfig(model="gcn", channels=8, heads=2, layers=1, num_frequencies=1))
    model.save(tmp_path / "m", {"note": "test"})
    return model, tmp_path / "m"


def test_round_trip_records_the_sha256(saved):
    model, path = saved
    info, tensors = load_checkpoint(path.with_suffix(".safetensors"))
    assert info["model"] == "GCNRescore" and info["record"] == {"note": "test"}
    data = path.with_name("m.safetensors").read_bytes()
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert set(tensors) == set(model.state_dict())
    assert type(model).load(path).config == model.config


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "swap"])
def test_damaged_tensor_file_is_refused_naming_it(saved, tmp_path, damage):
    _, path = saved
    tensors = path.with_name("m.safetensors")
    data = bytearray(tensors.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = bytearray()
    else:  # a valid safetensors file of another checkpoint
        save_checkpoint(tmp_path / "other", {"w": torch.ones(2)}, "Other", {})
        data = bytearray((tmp_path / "other.safetensors").read_bytes())
    tensors.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="m.safetensors"):
        load_checkpoint(path)


@pytest.mark.parametrize("text", ["5", "null", "[]", '{"model": "GCNRescore"}', '{"config": {}', "", "\xff"])
def test_malformed_json_is_refused_naming_it(saved, text):
    _, path = saved
    path.with_name("m.json").write_text(text, encoding="latin-1")
    with pytest.raises(ValueError, match="m.json"):
        load_checkpoint(path)


def test_unreadable_tensor_file_with_a_matching_checksum_is_refused(tmp_path):
    junk = b"not a safetensors file"
    (tmp_path / "j.safetensors").write_bytes(junk)
    (tmp_path / "j.json").write_text(
        json.dumps({"model": "X", "config": {}, "record": {}, "sha256": hashlib.sha256(junk).hexdigest()})
    )
    with pytest.raises(ValueError, match="j.safetensors"):
        load_checkpoint(tmp_path / "j")


def test_missing_files_and_bad_paths(saved, tmp_path):
    _, path = saved
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "nothing")
    path.with_name("m.safetensors").unlink()
    with pytest.raises(ValueError, match="m.safetensors"):
        load_checkpoint(path)
    with pytest.raises(ValueError, match="path"):
        save_checkpoint(tmp_path / "model.pt", {}, "X", {})


def test_a_checkpoint_of_another_class_is_refused(saved):
    _, path = saved
    with pytest.raises(ValueError, match="not a FractureDETR checkpoint"):
        FractureDETR.load(path)


def _shipped(json_path: Path):
    info = json.loads(json_path.read_text())
    classes = {"FractureDETR": FractureDETR, "DenseFractureDetector": DenseFractureDetector}
    if info["model"] in classes:
        cls = classes[info["model"]]
        return cls, cls.config_class.from_dict(info["config"])
    config = ModelConfig.from_dict(info["config"])
    return type(build_model(config)), config


def _forward(model: Model, name: str):
    """Outputs of ``model`` on a fixed input, flattened to one float64 array."""
    torch.manual_seed(5)
    with torch.no_grad():
        if isinstance(model, (FractureDETR, DenseFractureDetector)):
            out = model._eval_forward(torch.rand(1, 1, 800, 360))
            return torch.cat([out[k].flatten() for k in sorted(out) if torch.is_tensor(out[k])]).double()
        packed = FrameSet.simulated(1, 3).packed()
        out = model(packed)
        if isinstance(out, list):  # the set predictor: (outputs, anchors) per frame
            return torch.cat([v.flatten() for o, _ in out for k, v in sorted(o.items()) if torch.is_tensor(v)]).double()
        return out.double()


@pytest.mark.parametrize("json_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_checkpoint_verifies_and_computes(json_path):
    """Each shipped file: its SHA-256 matches, it loads through the checkpoint format, and its
    forward pass equals that of a model built from the config with the tensors read by the
    safetensors library alone; a freshly initialised model computes something else."""
    stem = json_path.with_suffix("")
    info = json.loads(json_path.read_text())
    assert hashlib.sha256(stem.with_name(stem.name + ".safetensors").read_bytes()).hexdigest() == info["sha256"]
    cls, config = _shipped(json_path)
    model = cls.load(stem)
    reference = cls(config).eval()
    fresh = _forward(reference, stem.name)
    reference.load_state_dict(load_file(str(stem.with_name(stem.name + ".safetensors"))))
    got, want = _forward(model, stem.name), _forward(reference, stem.name)
    assert torch.isfinite(got).all() and got.numel() > 0
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert not np.allclose(got.numpy(), fresh.numpy())
    assert isinstance(info["record"], dict) and info["record"], "a shipped checkpoint records how it was trained"
