#!/usr/bin/env bash
# Puts Debian's PixelMed jar into the local Maven repository, where the build resolves it.
# PixelMed is not on Maven Central; Debian packages it as libpixelmed-java.
# The Debian jar's manifest carries a Class-Path naming host jars under /usr/share/java;
# left in, it would silently put whatever the host has onto our classpath, so it is stripped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's:.*<pixelmed.version>\(.*\)</pixelmed.version>.*:\1:p' "$root/pom.xml")
repo=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}
target="$repo/com/pixelmed/pixelmed/$version/pixelmed-$version.jar"

if [ -f "$target" ] && command -v unzip >/dev/null && ! unzip -p "$target" META-INF/MANIFEST.MF | grep -q '^Class-Path'; then
  exit 0
fi

src=/usr/share/java/pixelmed.jar
if [ ! -f "$src" ] || ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
  echo "setup-pixelmed: installing Debian packages libpixelmed-java zip unzip" >&2
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libpixelmed-java zip unzip >&2
fi
real=$(readlink -f "$src")
case "$real" in
  *"pixelmed-$version.jar") ;;
  *) echo "setup-pixelmed: $real is not PixelMed $version, which pom.xml pins; update <pixelmed.version> after checking the new release" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$real" "$work/pixelmed.jar"
(cd "$work" && unzip -q -o pixelmed.jar META-INF/MANIFEST.MF \
  && grep -v -e '^Class-Path' -e '^ ' META-INF/MANIFEST.MF > META-INF/MANIFEST.clean \
  && mv META-INF/MANIFEST.clean META-INF/MANIFEST.MF \
  && zip -q pixelmed.jar META-INF/MANIFEST.MF)
if unzip -p "$work/pixelmed.jar" META-INF/MANIFEST.MF | grep -q '^Class-Path'; then
  echo "setup-pixelmed: could not strip Class-Path from the manifest" >&2; exit 1
fi
mkdir -p "$(dirname "$target")"
cp "$work/pixelmed.jar" "$target"
cat > "${target%.jar}.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.pixelmed</groupId>
  <artifactId>pixelmed</artifactId>
  <version>$version</version>
  <description>PixelMed DICOM toolkit from Debian's libpixelmed-java, manifest Class-Path removed</description>
</project>
POM
echo "setup-pixelmed: installed PixelMed $version into $repo" >&2
