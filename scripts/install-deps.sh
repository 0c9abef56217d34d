#!/usr/bin/env bash
# install-deps.sh - make sure the system packages a target needs are here; install them with
# apt-get when run as root, otherwise print the one command to run and stop.
#   scripts/install-deps.sh test    check (the test library) and pkg-config: required
#   scripts/install-deps.sh demo    gnuplot-nox and a CJK font for the PNG plots: wanted, not required
#                                   (without gnuplot the demos draw their plots in the terminal)
#   scripts/install-deps.sh bench   libopenblas-dev and fasttext, the baselines the benchmarks
#                                   compare against: wanted
#   scripts/install-deps.sh interop python3-gensim, which CI uses to read chapter 02's vector files
#                                   back with another tool: wanted
#   scripts/install-deps.sh valgrind valgrind, and clang for `make fuzz` (issue 9's checks): wanted
#   scripts/install-deps.sh mpi     libopenmpi-dev and openmpi-bin, for `make MPI=1` (data-parallel
#                                   bert pretrain under mpirun): wanted
#   scripts/install-deps.sh torch   python3-torch, for rewriting the tests' PyTorch fixtures
#                                   (tests/make_fixtures*.py) and the PyTorch side of the benchmarks
set -u
what=${1:-test}
need=() want=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
case $what in
  test)
    command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
    if command -v pkg-config >/dev/null 2>&1; then pkg-config --exists check || need+=(check)
    else need+=(check); fi ;;
  demo)
    command -v gnuplot >/dev/null 2>&1 || want+=(gnuplot-nox)
    command -v dpkg-query >/dev/null 2>&1 && ! have_pkg fonts-wqy-microhei && want+=(fonts-wqy-microhei) ;;
  bench)
    command -v pkg-config >/dev/null 2>&1 || want+=(pkg-config)
    pkg-config --exists openblas 2>/dev/null || want+=(libopenblas-dev)
    command -v fasttext >/dev/null 2>&1 || want+=(fasttext) ;;
  interop)
    /usr/bin/python3 -c 'import gensim' >/dev/null 2>&1 || want+=(python3-gensim) ;;
  valgrind)
    command -v valgrind >/dev/null 2>&1 || want+=(valgrind)
    command -v clang >/dev/null 2>&1 || want+=(clang) ;;
  mpi)
    command -v mpicc >/dev/null 2>&1 || want+=(libopenmpi-dev)
    command -v mpirun >/dev/null 2>&1 || want+=(openmpi-bin) ;;
  torch)
    /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || want+=(python3-torch) ;;
  *) echo "usage: $0 test|demo|bench|interop|valgrind|mpi|torch" >&2; exit 2 ;;
esac
pkgs=("${need[@]}" "${want[@]}")
[ ${#pkgs[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[deps] installing ${pkgs[*]} (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  if { apt-get update -q && apt-get install -y -q --no-install-recommends "${pkgs[@]}"; } >/tmp/nlp-c-apt.log 2>&1; then
    echo "[deps] installed ${pkgs[*]}"; exit 0
  fi
  echo "[deps] apt-get could not install ${pkgs[*]}; see /tmp/nlp-c-apt.log"
  [ ${#need[@]} -eq 0 ] && { echo "[deps] going on without them"; exit 0; }
  exit 1
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "error: missing system packages: ${need[*]}. Install them with:"
  echo "    sudo apt-get install ${pkgs[*]}"
  echo "(on macOS: brew install check pkg-config gnuplot)"
  exit 1
fi
echo "[deps] optional packages missing: ${want[*]} (install with: sudo apt-get install ${want[*]}); going on without them"
exit 0
