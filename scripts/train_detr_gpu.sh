#!/usr/bin/env bash
# Train the full-resolution published FractureDETR configuration, FractureDETRConfig()
# ([B, 256, 50, 23] feature map, 100 learned queries), on one CUDA GPU in at most 9 minutes,
# and write the weights to $OUT.
#
#   OUT=/path/to/folder scripts/train_detr_gpu.sh
#
# Budget: 7 minutes of training chunks (no new chunk starts after --max-minutes; a chunk is
# --val-every steps), about 1 minute of start-up (imports, 32 synthetic validation patches,
# the real well) and the last validation. The synthetic logs are rendered on the CPU in the
# training process; --reuse 64 draws each rendered log about 64 times (each time rotated and
# flipped at random) so rendering does not starve the GPU. Validation selects the checkpoint
# on the mean sinusoid F1 at 5 cm of the held-out synthetic patches and of the real well's
# 13405-13435 ft interval, as on the CPU.
#
# Resume a stopped run:   OUT=... RESUME=1 scripts/train_detr_gpu.sh
set -euo pipefail
: "${OUT:?set OUT to the folder that receives the run and the weights}"
PYTHON=${PYTHON:-python}
MINUTES=${MINUTES:-7}
mkdir -p "$OUT"
"$PYTHON" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: this script trains on a GPU')"
"$PYTHON" -m nmskit.cli fractures train --out "$OUT/run" --published --device cuda \
    --steps 100000 --batch 16 --seed 0 --real-share 0.25 --reuse 64 --val-every 200 \
    --eos-coef 1.0 --max-minutes "$MINUTES" --quiet ${RESUME:+--resume}
cp "$OUT/run/best.safetensors" "$OUT/run/best.json" "$OUT/run/record.json" "$OUT/run/validation.jsonl" "$OUT/"
echo "weights -> $OUT/best.safetensors (+ best.json); record -> $OUT/record.json"
