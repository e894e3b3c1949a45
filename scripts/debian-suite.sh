# Sourced by the fetch-*.sh scripts: downloads packages of another Debian suite
# (a newer one than this machine's) and unpacks them into a private prefix,
# installing nothing system-wide. The mirror is the one this machine's own apt
# sources use for its Debian release (one-line sources.list or deb822
# .sources files); only the suite is swapped.
#   fetch_suite_debs SUITE WORKDIR PREFIX PACKAGE...
# With FETCH_DEPENDENCIES=1 the packages' whole dependency closure in that
# suite is fetched too (for a library stack whose names change between suites).

mirror_of_main_suite() {
  local release
  release="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v r="$release" '$1 == "deb" { for (i = 2; i < NF; ++i) if ($(i + 1) == r) { print $i; exit } }' | sed 's/^\[.*\]$//'
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f $f ]] || continue
      awk -v r="$release" 'BEGIN { RS = ""; FS = "\n" }
        { uri = ""; hit = 0
          for (i = 1; i <= NF; ++i) {
            if ($i ~ /^URIs:/) { split($i, u, " "); uri = u[2] }
            if ($i ~ /^Suites:/) { n = split($i, s, " "); for (j = 2; j <= n; ++j) if (s[j] == r) hit = 1 }
          }
          if (hit && uri != "") { print uri; exit } }' "$f"
    done
  } | grep -m1 .
}

fetch_suite_debs() {
  local suite="$1" work="$2" prefix="$3"
  shift 3
  local mirror
  mirror="$(mirror_of_main_suite || true)"
  if [[ -z $mirror ]]; then
    echo "$(basename "$0"): no Debian mirror found in /etc/apt/sources.list{,.d}; set one there first" >&2
    return 1
  fi
  rm -rf "$work/debs"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$prefix"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
  local apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" update -q
  local packages=("$@")
  if [[ ${FETCH_DEPENDENCIES:-0} == 1 ]]; then
    mapfile -t packages < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
      --no-conflicts --no-breaks --no-replaces --no-enhances "$@" | grep -v '^ \|<' | sort -u)
  fi
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download "${packages[@]}")
  for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
}
