#!/bin/sh
# Makes `snakemake --profile slurm` find this repository's profiles/slurm (run by `make demo` and
# `make slurm-profile`; safe to run again). Snakemake resolves a bare profile name as a folder of
# that name in the current directory, then in the user's Snakemake config directory (Linux:
# ${XDG_CONFIG_HOME:-~/.config}/snakemake), then in the site one (/etc/xdg/snakemake). This links
# <user config dir>/slurm to profiles/slurm, so later edits to the profile apply at once.
#
# Outcomes, each stated in one line on stdout, exit status 0:
#   - no `slurm` profile yet: the link is made;
#   - the link is already there: nothing changes;
#   - a different `slurm` profile exists (a folder, a file, a link elsewhere, a broken link):
#     it is left as it is, and `--profile slurm` keeps meaning that one.
# Needs no SLURM. Usage: sh profiles/install_slurm_profile.sh (PYTHON=... picks the interpreter
# that has snakemake; default: .venv/bin/python of this repository)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd -P)
python=${PYTHON:-$repo/.venv/bin/python}
if [ ! -x "$python" ]; then
  echo "slurm profile: $python not found; run \`make demo\` (it sets up .venv) or set PYTHON" >&2
  exit 1
fi
config_dir=$("$python" -c 'from snakemake.common import get_appdirs; print(get_appdirs().user_config_dir)')
target="$config_dir/slurm"
source="$repo/profiles/slurm"

# What stands at $target, in words (only called when something does).
describe_existing() {
  if [ -L "$target" ] && [ -e "$target" ]; then
    echo "a link to $(readlink "$target")"
  elif [ -L "$target" ]; then
    echo "a broken link to $(readlink "$target")"
  elif [ -d "$target" ]; then
    echo "a folder"
  else
    echo "a file"
  fi
}

if [ -L "$target" ] && [ "$(readlink -f "$target")" = "$source" ]; then
  echo "slurm profile: $target already links to $source; nothing changed"
elif [ -e "$target" ] || [ -L "$target" ]; then
  echo "slurm profile: $target is another profile ($(describe_existing)); left as it is, so" \
       "\`--profile slurm\` means that one; use \`--profile profiles/slurm\`, or move it away and run" \
       "\`make slurm-profile\` to link this repository's"
else
  mkdir -p "$config_dir"
  ln -s "$source" "$target"
  echo "slurm profile: linked $target -> $source; \`snakemake --profile slurm\` now uses it"
fi
