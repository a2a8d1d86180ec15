# Shell functions the samples' make recipes call (samples/Makefile, mk/*.mk): the procedural
# parts of a kernel build — the genksyms stand-in (CRC per symbol), the config files, modpost's
# readers of exports. Sourced by the mk/*.sh commands; not run on its own.
# (Moved from scripts/build-samples, unchanged, when the samples became a Makefile.)
export LC_ALL=C
die()  { printf 'samples: ERROR: %s\n' "$*" >&2; exit 1; }
note() { printf 'samples: NOTE: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# genksyms stand-in: a deterministic CRC per symbol name.  It does not
# depend on the export type, so both kernels get identical CRCs (as with
# real genksyms, which hashes the symbol's type, not its licence).
# Symbols listed in NO_CRC model asm exports without a prototype in
# asm-prototypes.h: genksyms emits nothing, __crc_<sym> stays a weak
# undefined symbol, the __kcrctab slot and Module.symvers CRC are 0.
# ---------------------------------------------------------------------------
NO_CRC=" __sw_hweight32 "
crc_of() {
	local c
	c=$(printf '%s' "$1" | cksum)
	printf '%08x' "${c%% *}"
}

# ---------------------------------------------------------------------------
# Kernel configuration files (.config, auto.conf, autoconf.h, kernel.release,
# utsrelease.h) for a 4.18 kernel build directory.
#   write_kconfig DIR RELEASE ARCH(x86_64|i386)
# ---------------------------------------------------------------------------
write_kconfig() {
	local kdir=$1 release=$2 arch=$3 head
	mkdir -p "$kdir/include/config" "$kdir/include/generated"
	head="Linux/x86 $release Kernel Configuration"
	{
		printf '#\n# Automatically generated file; DO NOT EDIT.\n# %s\n#\n' "$head"
		if [[ $arch == x86_64 ]]; then
			printf 'CONFIG_64BIT=y\nCONFIG_X86_64=y\n'
		else
			printf '# CONFIG_64BIT is not set\nCONFIG_X86_32=y\nCONFIG_M686=y\n'
		fi
		printf 'CONFIG_X86=y\n'
		printf 'CONFIG_LOCALVERSION=""\n'
		printf 'CONFIG_SMP=y\n'
		printf '# CONFIG_PREEMPT is not set\n'
		printf 'CONFIG_MODULES=y\n'
		printf '# CONFIG_MODULE_FORCE_LOAD is not set\n'
		printf 'CONFIG_MODULE_UNLOAD=y\n'
		printf 'CONFIG_MODVERSIONS=y\n'
		printf '# CONFIG_MODULE_SRCVERSION_ALL is not set\n'
		printf '# CONFIG_MODULE_SIG is not set\n'
		printf '# CONFIG_UNUSED_SYMBOLS is not set\n'
		printf '# CONFIG_TRIM_UNUSED_KSYMS is not set\n'
		printf 'CONFIG_JUMP_LABEL=y\n'
		if [[ $arch == x86_64 ]]; then
			printf 'CONFIG_RETPOLINE=y\n'
		else
			printf '# CONFIG_RETPOLINE is not set\n'
		fi
		printf 'CONFIG_FUNCTION_TRACER=y\n'
		printf 'CONFIG_MEMORY_HOTPLUG=y\n'
		printf 'CONFIG_ZONE_DEVICE=y\n'
		printf 'CONFIG_DEV_PAGEMAP_OPS=y\n'
		printf 'CONFIG_FS_DAX=y\n'
	} >"$kdir/.config"
	{
		printf '#\n# Automatically generated file; DO NOT EDIT.\n# %s\n#\n' "$head"
		grep '^CONFIG_' "$kdir/.config"
	} >"$kdir/include/config/auto.conf"
	{
		printf '/*\n *\n * Automatically generated file; DO NOT EDIT.\n * %s\n *\n */\n' "$head"
		grep '^CONFIG_' "$kdir/.config" | sed -e 's/^\([^=]*\)=y$/#define \1 1/' -e 's/^\([^=]*\)=\(.*\)$/#define \1 \2/'
	} >"$kdir/include/generated/autoconf.h"
	printf '%s\n' "$release" >"$kdir/include/config/kernel.release"
	printf '#define UTS_RELEASE "%s"\n' "$release" >"$kdir/include/generated/utsrelease.h"
}


# modpost (4.18) for vmlinux: every __ksymtab_<sym> label is an export; its
# section name gives the export type (export_from_sec()); the CRC is the
# value of the absolute __crc_<sym> (0 when genksyms produced none).
# Output: 0x%08x\t<sym>\tvmlinux\t<EXPORT_TYPE>, sorted by symbol.
write_symvers_from_vmlinux() {
	local vmlinux=$1
	{
		readelf -SW "$vmlinux" | sed -n 's/^ *\[ *\([0-9][0-9]*\)\] \([^ ]*\) .*/S \1 \2/p'
		readelf -sW "$vmlinux" | awk '$1 ~ /^[0-9]+:$/ && NF >= 8 && $4 != "SECTION" && $4 != "FILE" { print "Y", $2, $7, $8 }'
	} | awk '
		$1 == "S" { sec[$2] = $3; next }
		$1 == "Y" && $4 ~ /^__ksymtab_/ {
			s = sec[$3]
			if (s == "__ksymtab") t = "EXPORT_SYMBOL"
			else if (s == "__ksymtab_gpl") t = "EXPORT_SYMBOL_GPL"
			else if (s == "__ksymtab_gpl_future") t = "EXPORT_SYMBOL_GPL_FUTURE"
			else if (s == "__ksymtab_unused") t = "EXPORT_UNUSED_SYMBOL"
			else if (s == "__ksymtab_unused_gpl") t = "EXPORT_UNUSED_SYMBOL_GPL"
			else next
			etype[substr($4, 11)] = t
			next
		}
		$1 == "Y" && $4 ~ /^__crc_/ {
			if ($3 == "ABS") crc[substr($4, 7)] = substr($2, length($2) - 7)
			next
		}
		END {
			for (s in etype) {
				c = "00000000"
				if (s in crc)
					c = crc[s]
				printf "0x%s\t%s\tvmlinux\t%s\n", c, s, etype[s]
			}
		}' | sort -t "$(printf '\t')" -k2,2
}

# The Module.symvers CRCs must be exactly the CRC table used for the
# linker-script fragments.
check_symvers() {
	local line crc sym rest want n=0
	while IFS=$'\t' read -r crc sym rest; do
		if [[ $NO_CRC == *" $sym "* ]]; then want=0x00000000; else want=0x$(crc_of "$sym"); fi
		[[ $crc == "$want" ]] || die "$1: CRC of $sym is $crc, expected $want"
		n=$((n + 1))
	done <"$1"
	[[ $n -gt 10 ]] || die "$1: only $n exports found"
}

# ---------------------------------------------------------------------------
# v6: the genksyms stand-in above, memoised: one table for every v6 export,
# kernel and module alike.  v6_crc SYM sets CRC (no subshell, so the memo sticks).
# ---------------------------------------------------------------------------
declare -A V6_CRC=()
CRC=
v6_crc() {
	[[ -n ${V6_CRC[$1]:-} ]] || V6_CRC[$1]=$(crc_of "$1")
	CRC=${V6_CRC[$1]}
}

#   v6_write_kconfig DIR RELEASE FLAVOUR(6.1|6.16)
v6_write_kconfig() {
	local kdir=$1 release=$2 flavour=$3 head
	mkdir -p "$kdir/include/config" "$kdir/include/generated"
	head="Linux/x86 $release Kernel Configuration"
	{
		printf '#\n# Automatically generated file; DO NOT EDIT.\n# %s\n#\n' "$head"
		printf 'CONFIG_64BIT=y\nCONFIG_X86_64=y\nCONFIG_X86=y\n'
		printf 'CONFIG_LOCALVERSION=""\n'
		printf 'CONFIG_SMP=y\n'
		printf 'CONFIG_PREEMPT_BUILD=y\n'
		printf 'CONFIG_PREEMPT_VOLUNTARY=y\n'
		printf 'CONFIG_PREEMPT_DYNAMIC=y\n'
		printf '# CONFIG_PREEMPT_RT is not set\n'
		printf 'CONFIG_HAVE_ARCH_PREL32_RELOCATIONS=y\n'
		printf 'CONFIG_MODULES=y\n'
		printf '# CONFIG_MODULE_FORCE_LOAD is not set\n'
		printf 'CONFIG_MODULE_UNLOAD=y\n'
		printf 'CONFIG_MODVERSIONS=y\n'
		printf 'CONFIG_ASM_MODVERSIONS=y\n'
		if [[ $flavour != 6.1 ]]; then
			printf 'CONFIG_GENKSYMS=y\n'
			printf 'CONFIG_EXTENDED_MODVERSIONS=y\n'
			printf 'CONFIG_BASIC_MODVERSIONS=y\n'
		fi
		printf '# CONFIG_MODULE_SRCVERSION_ALL is not set\n'
		printf '# CONFIG_MODULE_SIG is not set\n'
		printf '# CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS is not set\n'
		printf '# CONFIG_TRIM_UNUSED_KSYMS is not set\n'
		if [[ $flavour != 6.1 ]]; then
			printf 'CONFIG_MITIGATION_RETPOLINE=y\nCONFIG_MITIGATION_RETHUNK=y\n'
		else
			printf 'CONFIG_RETPOLINE=y\nCONFIG_RETHUNK=y\n'
		fi
		printf 'CONFIG_FUNCTION_TRACER=y\n'
		printf 'CONFIG_DYNAMIC_FTRACE=y\n'
		printf 'CONFIG_USB_STORAGE=y\n'
		printf 'CONFIG_DMA_SHARED_BUFFER=y\n'
		printf 'CONFIG_KVM=m\nCONFIG_KVM_AMD=m\n'
	} >"$kdir/.config"
	{
		printf '#\n# Automatically generated file; DO NOT EDIT.\n# %s\n#\n' "$head"
		# 6.x auto.conf writes string values unquoted; an empty one is left out here
		grep '^CONFIG_' "$kdir/.config" | grep -v '=""$'
	} >"$kdir/include/config/auto.conf"
	{
		printf '/*\n *\n * Automatically generated file; DO NOT EDIT.\n * %s\n *\n */\n' "$head"
		grep '^CONFIG_' "$kdir/.config" |
			sed -e 's/^\([^=]*\)=[ym]$/#define \1 1/' -e 's/^\([^=]*\)=\(.*\)$/#define \1 \2/'
	} >"$kdir/include/generated/autoconf.h"
	printf '%s\n' "$release" >"$kdir/include/config/kernel.release"
	printf '#define UTS_RELEASE "%s"\n' "$release" >"$kdir/include/generated/utsrelease.h"
}

# The exports an ELF file records, read with binutils only (an independent
# reader to check ksymcheck against), one line each, sorted:
#   <sym>|<EXPORT_SYMBOL|EXPORT_SYMBOL_GPL>|<namespace>|<crc as %08x, or ->
# ('|'-separated: "read" would merge the empty namespace of TAB-separated fields)
# as 6.1 modpost reads them: every __ksymtab_<sym> label in a ksymtab section
# ([_]__ksymtab[_gpl][+sym]) is an export, the section name gives the type,
# __kstrtabns_<sym> points at the namespace (none for asm exports), and the
# CRC is the 4-byte datum at __crc_<sym> (read only from the merged
# __kcrctab/__kcrctab_gpl of a final vmlinux or .ko).
#   v6_elf_exports FILE
v6_elf_exports() {
	local f=$1 idx name addr off size
	local secs syms
	secs=$(readelf -SW "$f" | awk '
		match($0, /^ *\[ *[0-9]+\] /) {
			i = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", i)
			n = split(substr($0, RSTART + RLENGTH), a, " ")
			if (a[2] ~ /^[0-9a-f]+$/) next	# the null section has no name
			print i, a[1], a[3], a[4], a[5]
		}')
	syms=$(readelf -sW "$f" | awk '$1 ~ /^[0-9]+:$/ && NF >= 8 && $4 != "SECTION" && $4 != "FILE" { print $2, $7, $8 }')
	{
		printf '%s\n' "$secs" | sed 's/^/S /'
		printf '%s\n' "$syms" | sed 's/^/Y /'
		while read -r idx name addr off size; do
			case $name in
			__ksymtab_strings | __kcrctab | __kcrctab_gpl | __kflagstab)
				printf 'B %s ' "$idx"
				od -An -v -tu1 -j $((16#$off)) -N $((16#$size)) "$f" | tr -s ' \n' '  '
				printf '\n'
				;;
			esac
		done <<<"$secs"
	} | awk '
		function hex(s,   i, v) {	# low 32 bits of a hex string
			s = substr(s, length(s) > 8 ? length(s) - 7 : 1); v = 0
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		function rel(v, sec,   d) { d = hex(v) - hex(saddr[sec]); return d < 0 ? d + 4294967296 : d }
		$1 == "S" { sname[$2] = $3; saddr[$2] = $4; next }
		$1 == "Y" {
			sec = $3; sym = $4; s = sname[sec]
			if (sym ~ /^__ksymtab_/ && s ~ /^_?__ksymtab(_gpl)?(\+|$)/) {
				name = substr(sym, 11)
				type[name] = s ~ /^_?__ksymtab_gpl/ ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL"
			} else if (sym ~ /^__kstrtabns_/) {
				nssec[substr(sym, 13)] = sec; nsoff[substr(sym, 13)] = rel($2, sec)
			} else if (sym ~ /^__crc_/ && (s == "__kcrctab" || s == "__kcrctab_gpl")) {
				crcsec[substr(sym, 7)] = sec; crcoff[substr(sym, 7)] = rel($2, sec)
			} else if (sym ~ /^__flags_/ && s == "__kflagstab") {
				flagsec[substr(sym, 9)] = sec; flagoff[substr(sym, 9)] = rel($2, sec)
			}
			next
		}
		$1 == "B" { for (i = 3; i <= NF; i++) byte[$2, i - 3] = $i + 0; next }
		END {
			for (name in type) {
				# 7.1+: bit 0 of the __kflagstab byte is KSYM_FLAG_GPL_ONLY
				if (name in flagoff && byte[flagsec[name], flagoff[name]] % 2 == 1) type[name] = "EXPORT_SYMBOL_GPL"
				ns = ""
				if (name in nsoff)
					for (o = nsoff[name]; byte[nssec[name], o] != 0; o++) ns = ns sprintf("%c", byte[nssec[name], o])
				crc = "-"
				if (name in crcoff) {
					o = crcoff[name]; c = crcsec[name]
					crc = sprintf("%02x%02x%02x%02x", byte[c, o + 3], byte[c, o + 2], byte[c, o + 1], byte[c, o])
				}
				printf "%s|%s|%s|%s\n", name, type[name], ns, crc
			}
		}' | sort
}

# The exports of a 6.5+ object (EXPORT_MARKERS_6_12): per marker
# __export_symbol_<sym> in section .export_symbol, "<license>\0<ns>\0" at the
# marker's offset; printed as "name|EXPORT_SYMBOL[_GPL]|ns|-|FUNC or DATA"
# (FUNC when <sym> is an STT_FUNC: modpost then writes KSYMTAB_FUNC()).
#   v6_export_markers FILE
v6_export_markers() {
	local f=$1 idx off
	read -r idx off < <(readelf -SW "$f" | awk '
		match($0, /^ *\[ *[0-9]+\] /) {
			i = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", i)
			split(substr($0, RSTART + RLENGTH), a, " ")
			if (a[1] == ".export_symbol") { print i, a[4] " " a[5]; exit }
		}')
	[[ -n ${idx:-} ]] || return 0
	{
		readelf -sW "$f" | awk '$1 ~ /^[0-9]+:$/ && NF >= 8 { print "Y", $2, $4, $7, $8 }'
		printf 'B '
		read -r off size <<<"$off"
		od -An -v -tu1 -j $((16#$off)) -N $((16#$size)) "$f" | tr -s ' \n' '  '
		printf '\n'
	} | awk -v sec="$idx" '
		function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		function str(o,   r) { r = ""; for (; byte[o] != 0; o++) r = r sprintf("%c", byte[o]); return r }
		$1 == "Y" && $4 == sec && $5 ~ /^__export_symbol_/ { marker[substr($5, 17)] = hex($2); next }
		$1 == "Y" && $4 != "UND" && ($3 == "FUNC" || $3 == "OBJECT") { kind[$5] = $3 == "FUNC" ? "FUNC" : "DATA"; next }
		$1 == "B" { for (i = 2; i <= NF; i++) byte[i - 2] = $i + 0; next }
		END {
			for (name in marker) {
				o = marker[name]; lic = str(o); ns = str(o + length(lic) + 1)
				printf "%s|%s|%s|-|%s\n", name, lic == "GPL" ? "EXPORT_SYMBOL_GPL" : "EXPORT_SYMBOL", ns, kind[name] == "" ? "DATA" : kind[name]
			}
		}' | sort
}

