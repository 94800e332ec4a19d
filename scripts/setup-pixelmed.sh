#!/usr/bin/env bash
# Puts Debian's PixelMed jars into the local Maven repository, where the build resolves them:
# the toolkit (libpixelmed-java) and its JPEG Lossless codec (libpixelmed-imageio-java), which the
# pixel cleaner uses to decode JPEG Lossless frames. Neither is on Maven Central.
# The Debian toolkit jar's manifest carries a Class-Path naming host jars under /usr/share/java;
# left in, it would silently put whatever the host has onto our classpath, so it is stripped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}

pinned() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$root/pom.xml"; }

# install ARTIFACT VERSION DEBIAN_JAR DEBIAN_PACKAGE DESCRIPTION
install() {
  local artifact=$1 version=$2 src=$3 package=$4 description=$5
  local target="$repo/com/pixelmed/$artifact/$version/$artifact-$version.jar"
  if [ -f "$target" ] && command -v unzip >/dev/null && ! unzip -p "$target" META-INF/MANIFEST.MF | grep -q '^Class-Path'; then
    return 0
  fi
  if [ ! -f "$src" ] || ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
    echo "setup-pixelmed: installing Debian packages $package zip unzip" >&2
    local sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$package" zip unzip >&2
  fi
  local real; real=$(readlink -f "$src")
  case "$real" in
    *"-$version.jar") ;;
    *) echo "setup-pixelmed: $real is not $artifact $version, which pom.xml pins; update the pin after checking the new release" >&2; exit 1 ;;
  esac
  local work; work=$(mktemp -d)
  cp "$real" "$work/$artifact.jar"
  (cd "$work" && unzip -q -o "$artifact.jar" META-INF/MANIFEST.MF \
    && grep -v -e '^Class-Path' -e '^ ' META-INF/MANIFEST.MF > META-INF/MANIFEST.clean \
    && mv META-INF/MANIFEST.clean META-INF/MANIFEST.MF \
    && zip -q "$artifact.jar" META-INF/MANIFEST.MF)
  if unzip -p "$work/$artifact.jar" META-INF/MANIFEST.MF | grep -q '^Class-Path'; then
    echo "setup-pixelmed: could not strip Class-Path from the manifest of $artifact" >&2; rm -rf "$work"; exit 1
  fi
  mkdir -p "$(dirname "$target")"
  cp "$work/$artifact.jar" "$target"
  rm -rf "$work"
  cat > "${target%.jar}.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.pixelmed</groupId>
  <artifactId>$artifact</artifactId>
  <version>$version</version>
  <description>$description</description>
</project>
POM
  echo "setup-pixelmed: installed $artifact $version into $repo" >&2
}

install pixelmed "$(pinned pixelmed.version)" /usr/share/java/pixelmed.jar libpixelmed-java \
  "PixelMed DICOM toolkit from Debian's libpixelmed-java, manifest Class-Path removed"
install pixelmed-imageio "$(pinned pixelmed-imageio.version)" /usr/share/java/pixelmed_imageio.jar libpixelmed-imageio-java \
  "PixelMed JPEG Lossless codec from Debian's libpixelmed-imageio-java"
