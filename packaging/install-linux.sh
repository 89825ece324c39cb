#!/usr/bin/env sh
# Install the kcplanner bundle for this user on Linux (no root): the programs on PATH, the menu entry,
# the icon, and the .kcplan file type opening kcplanner-gui on a double-click.  Run it from the bundle
# folder (the build copies it there) or give the folder:   sh install-linux.sh [BUNDLE_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bundle=$(cd "${1:-$here}" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin
test -x "$bundle/kcplanner-gui" || { echo "no kcplanner-gui in $bundle" >&2; exit 1; }

mkdir -p "$bin" "$data/applications" "$data/icons/hicolor/256x256/apps" "$data/mime/packages"
ln -sf "$bundle/kcplanner" "$bin/kcplanner"
ln -sf "$bundle/kcplanner-gui" "$bin/kcplanner-gui"
cp "$here/kcplanner.png" "$data/icons/hicolor/256x256/apps/kcplanner.png"
cp "$here/kcplanner-mime.xml" "$data/mime/packages/kcplanner.xml"
sed "s|^Exec=kcplanner-gui|Exec=\"$bundle/kcplanner-gui\"|; s|^TryExec=kcplanner-gui|TryExec=$bundle/kcplanner-gui|" \
  "$here/kcplanner.desktop" > "$data/applications/kcplanner.desktop"
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v xdg-mime >/dev/null && xdg-mime default kcplanner.desktop application/x-kcplanner-project || true
echo "kcplanner installed: $bin/kcplanner, $bin/kcplanner-gui, the menu entry and the .kcplan file type"
