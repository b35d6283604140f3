#!/bin/sh
# One-time step that makes `snakemake --profile slurm` find profiles/slurm: Snakemake resolves a
# bare profile name as a folder of that name in the current directory, then in the user's
# Snakemake config directory (Linux: ${XDG_CONFIG_HOME:-~/.config}/snakemake), then in the
# site one (/etc/xdg/snakemake). This links <user config dir>/slurm to this repository's
# profiles/slurm, so later edits to the profile apply at once.
#
# Usage: sh profiles/install_slurm_profile.sh   (PYTHON=... picks the interpreter that has
# snakemake; default .venv/bin/python of this repository)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
config_dir=$("$python" -c 'from snakemake.common import get_appdirs; print(get_appdirs().user_config_dir)')
target="$config_dir/slurm"
source="$repo/profiles/slurm"

if [ -L "$target" ] && [ "$(readlink "$target")" = "$source" ]; then
  echo "$target already links to $source"
  exit 0
fi
if [ -e "$target" ] || [ -L "$target" ]; then
  echo "$target exists and is not a link to $source; move it away first" >&2
  exit 1
fi
mkdir -p "$config_dir"
ln -s "$source" "$target"
echo "linked $target -> $source; \`snakemake --profile slurm\` now uses it"
