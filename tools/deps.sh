#!/bin/sh
# `make deps`: the Debian packages the test suite needs (real parts, no mocks: poppler reads PDFs back, qpdf
# checks them, a private CUPS server with ippeveprinter prints, chromium drives the web page, a PostgreSQL
# server started by the tests keeps the education record).
# Every tool present: nothing to do. Some missing: as root with apt-get, install them (one apt-get update);
# otherwise stop at once with one line naming the packages to install.
# Each entry is COMMAND:PACKAGE; a command given as a path is checked as a file (a * in it: any version).
set -u
NEED="pdftoppm:poppler-utils pdftotext:poppler-utils pdfinfo:poppler-utils qpdf:qpdf lp:cups-client \
lpadmin:cups-client cupsd:cups-daemon ippeveprinter:cups-ipp-utils /usr/lib/cups/filter/pdftopdf:cups-filters \
dbus-daemon:dbus chromium:chromium /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core \
/usr/lib/postgresql/*/bin/pg_ctl:postgresql"
SEARCH="${PATH:-}:/usr/sbin:/sbin"

missing() {
    out=""
    for entry in $NEED; do
        tool="${entry%%:*}" package="${entry#*:}"
        case "$tool" in
            /*) for file in $tool; do [ -e "$file" ] && continue 2; done ;;
            *) PATH="$SEARCH" command -v "$tool" >/dev/null 2>&1 && continue ;;
        esac
        case " $out " in *" $package "*) ;; *) out="$out $package" ;; esac
    done
    echo "${out# }"
}

packages=$(missing)
[ -z "$packages" ] && exit 0
if [ "$(id -u 2>/dev/null)" = 0 ] && PATH="$SEARCH" command -v apt-get >/dev/null 2>&1; then
    echo "make deps: installing $packages (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    PATH="$SEARCH" apt-get update -qq >/dev/null 2>&1
    PATH="$SEARCH" apt-get install -y -qq --no-install-recommends $packages >/dev/null 2>&1
    packages=$(missing)
    [ -z "$packages" ] && exit 0
    echo "error: make test needs these Debian packages and apt-get could not install them: $packages" >&2
    exit 1
fi
echo "error: make test needs these Debian packages; install them as root (apt-get install $packages) and run it again" >&2
exit 1
