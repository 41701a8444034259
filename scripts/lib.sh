# Shared settings for the project's scripts. Source it; do not run it.
# shellcheck shell=sh

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
# UPSTREAM=1: the same scripts work on the upstream base (Debian's newest
# kernel source, scripts/fetch-upstream) and the series in patches/upstream.
if [ -n "${UPSTREAM:-}" ]; then
	TREE=${TREE:-$OUT/upstream/linux}
	TARBALL=${TARBALL:-$OUT/upstream/linux-source.tar.xz}
	SRC=${SRC:-$OUT/upstream/src}
	BASE_TAG=debian-upstream
	PATCHES=${PATCHES:-$TOP/patches/upstream}
else
	TREE=${TREE:-$OUT/linux}
	TARBALL=${TARBALL:-/usr/src/linux-source-6.1.tar.xz}
	SRC=${SRC:-$OUT/src}
	BASE_TAG=debian-6.1
	# The series; another directory of the same shape can stand in (self-tests).
	PATCHES=${PATCHES:-$TOP/patches}
fi

# Fixed identities and dates make commits, and so the series, reproducible.
# The committed series carry this placeholder identity as their author, and
# no Signed-off-by; scripts/sign-series --reviewed regenerates them with the
# sender's (SERIES_NAME, SERIES_EMAIL) as author and sign-off.
PLACEHOLDER_NAME="Founding Team"
PLACEHOLDER_EMAIL="team@vmgenid-dt.example.org"
export GIT_COMMITTER_NAME="${SERIES_NAME:-$PLACEHOLDER_NAME}"
export GIT_COMMITTER_EMAIL="${SERIES_EMAIL:-$PLACEHOLDER_EMAIL}"
export GIT_AUTHOR_NAME="$GIT_COMMITTER_NAME"
export GIT_AUTHOR_EMAIL="$GIT_COMMITTER_EMAIL"

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

log() {
	echo "$(basename "$0"): $*"
}

# stack_order: the series under $PATCHES in the order branch "all" stacks
# them: those $PATCHES/stack names, then the others in name order.
stack_order() {
	listed=
	if [ -f "$PATCHES/stack" ]; then
		listed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/stack")
	fi
	for n in $listed; do
		[ -f "$PATCHES/$n/series" ] && echo "$n"
	done
	(cd "$PATCHES" && for d in */; do
		[ -f "$d/series" ] && ! echo "$listed" | grep -qx "${d%/}" && echo "${d%/}"
	done) || true
}

# need_space GIB WHAT: stop, saying so, unless $OUT's file system has GIB
# GiB free (a full disk otherwise shows as git's "unable to write file"
# for each of thousands of files, deep in a stage).
need_space() {
	mkdir -p "$OUT"
	free=$(df -Pk "$OUT" | awk 'NR == 2 { print int($4 / 1048576) }')
	[ "$free" -ge "$1" ] ||
		die "$2 needs about $1 GiB free where $OUT is; $free GiB are free"
}

# Set karch, cross, image and name (the image's) for ARCH (x86_64 or arm64).
arch_vars() {
	case $1 in
	x86_64) karch=x86 cross= image=arch/x86/boot/bzImage name=bzImage ;;
	arm64) karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image name=Image ;;
	*) die "unknown arch $1" ;;
	esac
	# GNU nm loads every plugin in bfd-plugins/ each time it runs: with
	# LLVM's (llvm-14-linker-tools, on these machines) that is about 85 ms
	# a call, and 6.1's kbuild runs nm on every object it compiles
	# (check-local-export). Naming GCC's own plugin loads that one alone.
	nm=${cross}nm
	plugin=$("${cross}gcc" -print-file-name=liblto_plugin.so 2>/dev/null) || :
	[ ! -f "$plugin" ] || nm="$nm --plugin=$plugin"
}

# kbuild_cmd SRC: sets kcmd to a make argument for SRC's kbuild, or to
# nothing. 6.1's Kbuild.include runs a shell for every $(call cmd,...),
# also when the command is empty, as $(call cmd,force_checksrc) is for each
# object unless C=2 (and most lines of rule_cc_o_c for each object it
# compiles): a make that builds nothing in the x86_64 test kernel's tree
# spawned 1248 shells in all and took 11.0 and 11.4 s (17.9 and 19.0
# core-seconds), against 8.6 and 7.5 s (13.9 and 12.5) with the
# definition below, which is 6.1's without the shell for an empty command
# (as 7.3's own definition has it).
# A command that is not empty runs exactly as before. Trees whose
# definition differs (7.3) get nothing.
KBUILD_CMD_61='cmd = @set -e; $(echo-cmd) $($(quiet)redirect) $(delete-on-interrupt) $(cmd_$(1))'
kbuild_cmd() {
	kcmd=
	if grep -qxF "$KBUILD_CMD_61" "$1/scripts/Kbuild.include" 2>/dev/null; then
		kcmd='cmd=@$(if $(cmd_$(1)),set -e; $(echo-cmd) $($(quiet)redirect) $(delete-on-interrupt) $(cmd_$(1)))'
	fi
}

# fragments_stuck CONFIG FRAGMENT...: every option the fragments ask for
# (the last one saying wins) survived olddefconfig in CONFIG; else die.
fragments_stuck() {
	cfg=$1
	shift
	grep -h '^CONFIG_' "$@" | awk -F= '{ v[$1] = $2 } END { for (o in v) print o "=" v[o] }' |
	while IFS='=' read -r opt val; do
		case $val in
		n) ! grep -q "^$opt=" "$cfg" ;;
		*) grep -qx "$opt=$val" "$cfg" ;;
		esac || die "$opt=$val did not stick"
	done
}

# install_modules SRC BUILD DEST: a tree with modules (x86_64's vmgenid,
# CONFIG_...=m) has them installed under DEST, stripped, with depmod's
# tables (modules.alias), for an initramfs; DEST is emptied first, and
# left out for a tree with none. Needs arch_vars.
install_modules() {
	rm -rf "$3"
	grep -q '=m$' "$2/.config" || return 0
	make -s -C "$1" O="$2" ARCH="$karch" CROSS_COMPILE="$cross" NM="$nm" \
		INSTALL_MOD_PATH="$3" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod modules_install
	log "$3: $(find "$3" -name '*.ko' | wc -l) modules"
}

# walk_worktree ARCH: the worktree ($SRC/walk-ARCH) that ARCH's test kernel
# of branch "all" is built from, created if missing. Each architecture has
# its own, so that the gate's bisect, which checks out every commit in turn
# in it, leaves the other architecture's sources, and with them the file
# times its build depends on, alone (in one shared worktree, the arm64 walk
# made the x86_64 tree rebuild every object that includes cpu.h).
walk_worktree() {
	wt=$SRC/walk-$1
	if [ ! -d "$wt" ]; then
		git -C "$TREE" worktree prune
		git -C "$TREE" worktree add -q -f --detach "$wt" all
	fi
	echo "$wt"
}
