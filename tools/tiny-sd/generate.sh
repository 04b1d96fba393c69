#!/bin/sh
# Regenerates every tiny Stable Diffusion fixture with Debian's python3-torch / python3-onnx.
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tools/tiny-sd/generate.py "$@"
