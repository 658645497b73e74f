"""What every nmskit network shares: one checkpoint format (safetensors + JSON with a
SHA-256 of the tensors), one base class (:class:`Model`: config, checkpoints, optimiser
groups) and one training loop (:func:`train`, modelled on DETR's ``engine.py``).

Used by the rescorers and the 3-D set predictor (``nmskit.learned``) and by the fracture
detectors (``nmskit.borehole.models``). Names load on first use.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "checkpoint": [
            "check_state",
            "checkpoint_paths",
            "load_checkpoint",
            "load_training_state",
            "save_checkpoint",
            "save_training_state",
        ],
        "engine": ["TrainConfig", "default_loss", "rank_and_world", "train", "train_step"],
        "model": ["Model"],
    },
)
