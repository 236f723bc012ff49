#!/bin/sh
# Entry point of the container image, and of the Home Assistant add-on built from it.
set -eu
options="${ADDON_OPTIONS:-/data/options.json}"
if [ -f "$options" ]; then
  # Home Assistant's Supervisor wrote the add-on's options: baidu_face_server/addon.py maps them to flags.
  exec python -m baidu_face_server.addon "$options" "$@"
fi
exec python -m baidu_face_server --host 0.0.0.0 --port 8300 --db /data/faces.sqlite3 "$@"
