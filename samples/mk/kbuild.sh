#!/usr/bin/env bash
# The procedural steps of the samples build, one command each, called by the recipes of
# samples/Makefile and samples/mk/*.mk (what kbuild does with scripts/*.sh, genksyms and modpost):
#   kbuild.sh COMMAND ARGS...
# Moved from scripts/build-samples when the samples became a Makefile; the outputs are unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

#   kconfig-4.18 DIR RELEASE ARCH(x86_64|i386)
cmd_kconfig-4.18() { write_kconfig "$@"; }
#   kconfig-v6 DIR RELEASE FLAVOUR(6.1|6.16|7.2)
cmd_kconfig-v6() { v6_write_kconfig "$@"; }

# cmd_modversions_{c,S} of 4.18 scripts/Makefile.build: if the object
# exports anything, genksyms writes "__crc_<sym> = 0x<crc> ;" lines and
# the object is re-linked with them as a linker script, turning each
# __crc_<sym> into an absolute symbol whose value is the CRC.
#   genksyms TMP_O VER OUT_O
cmd_genksyms() {
	local tmp=$1 ver=$2 out=$3 syms sym crc
	rm -f "$ver"
	syms=$(nm "$tmp" | awk '$1 == "w" && $2 ~ /^__crc_/ { print substr($2, 7) }')
	if [[ -n $syms ]]; then
		: >"$ver"
		for sym in $syms; do
			[[ $NO_CRC == *" $sym "* ]] && continue
			crc=$(crc_of "$sym")
			printf '__crc_%s = 0x%s ;\n' "$sym" "$crc" >>"$ver"
		done
		ld -m elf_x86_64 -r -o "$out" "$tmp" -T "$ver"
	else
		cp "$tmp" "$out"
	fi
}

# The 4.18 vmlinux's Module.symvers (modpost), checked against the CRC table.
#   symvers-4.18 VMLINUX OUT
cmd_symvers-4.18() {
	write_symvers_from_vmlinux "$1" >"$2"
	check_symvers "$2"
}

# The fields of __this_module that modpost's .mod.c sets (4.18 and 6.x alike)
this_module_fields() {
	printf '\t.name = KBUILD_MODNAME,\n\t.init = init_module,\n'
	printf '#ifdef CONFIG_MODULE_UNLOAD\n\t.exit = cleanup_module,\n#endif\n'
	printf '\t.arch = MODULE_ARCH_INIT,\n};\n\n'
}

# modpost (4.18) for the OpenAFS-like module: <name>.mod.c.
# mod->unres: GLOBAL/WEAK undefined symbols, prepended one by one while
# walking .symtab (so reversed), then "module_layout" prepended.
# __this_module and _GLOBAL_OFFSET_TABLE_ are ignore_undef_symbol()s.
#   modpost-4.18 OUTDIR NAME KDIR REL (REL: OUTDIR/NAME as the warnings name it)
cmd_modpost-4.18() {
	local out=$1 mod=$2 kdir=$3 rel=$4 und sym crc_line
	und=$(readelf -sW "$out/$mod.o" |
		awk '$1 ~ /^[0-9]+:$/ && $7 == "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && NF >= 8 &&
		     $8 != "__this_module" && $8 != "_GLOBAL_OFFSET_TABLE_" { print $8 }' | tac)
	{
		printf '#include <linux/module.h>\n'
		printf '#include <linux/vermagic.h>\n'
		printf '#include <linux/compiler.h>\n\n'
		printf 'MODULE_INFO(vermagic, VERMAGIC_STRING);\n'
		printf 'MODULE_INFO(name, KBUILD_MODNAME);\n\n'
		printf '__visible struct module __this_module\n'
		printf '__attribute__((section(".gnu.linkonce.this_module"))) = {\n'
		this_module_fields
		printf '#ifdef RETPOLINE\n'
		printf 'MODULE_INFO(retpoline, "Y");\n'
		printf '#endif\n\n'
		printf 'static const struct modversion_info ____versions[]\n'
		printf '__used\n'
		printf '__attribute__((section("__versions"))) = {\n'
		for sym in module_layout $und; do
			crc_line=$(awk -F '\t' -v s="$sym" '$2 == s { print $1; exit }' "$kdir/Module.symvers")
			if [[ -z $crc_line ]]; then
				# ext modules get modpost -w in 4.18: a warning, no __versions entry
				printf 'WARNING: "%s" [%s.ko] undefined!\n' "$sym" "$rel" >&2
				continue
			fi
			printf '\t{ %s, "%s" },\n' "$crc_line" "$sym"
		done
		printf '};\n\n'
		printf 'static const char __module_depends[]\n'
		printf '__used\n'
		printf '__attribute__((section(".modinfo"))) =\n'
		printf '"depends=";\n\n'
	} >"$out/$mod.mod.c"

}

# modpost on a v6 vmlinux.o (5.19+): the CRCs genksyms recorded (#SYMVER in the
# .cmd files; here crc_of) go to .vmlinux.export.c as SYMBOL_CRC(), and
# vmlinux.symvers (= Module.symvers) gets one 5-column line per export:
# 0x%08x\t<sym>\tvmlinux\t<EXPORT_TYPE>\t<namespace>, here sorted by symbol.
#   v6-vmlinux-export FLAVOUR ODIR KDIR
cmd_v6-vmlinux-export() {
	local flavour=$1 odir=$2 kdir=$3 sym type ns rest
	local exports sec
	if [[ $flavour == 7.2 ]]; then exports=$(v6_export_markers "$odir/vmlinux.o"); else exports=$(v6_elf_exports "$odir/vmlinux.o"); fi
	printf '#include <linux/export-internal.h>\n\n' >"$odir/.vmlinux.export.c"
	: >"$kdir/Module.symvers"
	while IFS='|' read -r sym type ns rest; do
		if [[ $type == EXPORT_SYMBOL_GPL ]]; then sec=_gpl; else sec=; fi
		v6_crc "$sym"
		if [[ $flavour == 7.2 ]]; then
			# 7.2 modpost: KSYMTAB_FUNC/DATA(sym, ns), SYMBOL_CRC(sym, crc), SYMBOL_FLAGS(sym, 0x01|0x00)
			printf 'KSYMTAB_%s(%s, "%s");\nSYMBOL_CRC(%s, 0x%s);\nSYMBOL_FLAGS(%s, 0x%02x);\n' \
				"${rest#*|}" "$sym" "$ns" "$sym" "$CRC" "$sym" "$([[ $sec == _gpl ]] && echo 1 || echo 0)" >>"$odir/.vmlinux.export.c"
		else
			printf 'SYMBOL_CRC(%s, 0x%s, "%s");\n' "$sym" "$CRC" "$sec" >>"$odir/.vmlinux.export.c"
		fi
		printf '0x%s\t%s\tvmlinux\t%s\t%s\n' "$CRC" "$sym" "$type" "$ns" >>"$kdir/Module.symvers"
	done <<<"$exports"
}

# Check: what the linked vmlinux records (types, namespaces, CRC data at
# __crc_<sym>) is exactly Module.symvers, and every CRC is the table's.
#   v6-check KDIR
cmd_v6-check() {
	local kdir=$1 crc sym rest n=0
	local want got
	want=$(awk -F '\t' '{ printf "%s|%s|%s|%s\n", $2, $4, $5, substr($1, 3) }' "$kdir/Module.symvers" | sort)
	got=$(v6_elf_exports "$kdir/vmlinux")
	[[ $want == "$got" ]] || die "$kdir/vmlinux: exports differ from Module.symvers:"$'\n'"$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got"))"
	while IFS=$'\t' read -r crc sym rest; do
		v6_crc "$sym"
		[[ $crc == "0x$CRC" ]] || die "$kdir/Module.symvers: CRC of $sym is $crc"
		n=$((n + 1))
	done <"$kdir/Module.symvers"
	[[ $n -ge 15 ]] || die "$kdir/Module.symvers: only $n exports"
	if nm "$kdir/vmlinux" | grep -q ' [Aa] __crc_'; then die "$kdir/vmlinux: absolute __crc_ symbols"; fi
}


# modpost (6.1; 6.16 for FLAVOUR 6.16) for one external module: <name>.mod.c
# and, when the module exports, its Module.symvers.
#  - mod->unresolved_symbols: the GLOBAL/WEAK undefined symbols of <name>.o
#    in .symtab order (5.19+ appends; before, it prepended), minus
#    __this_module and _GLOBAL_OFFSET_TABLE_, then "module_layout";
#  - __versions: those the kernel's Module.symvers resolves, with its CRC
#    (VERSIONS=extended: __version_ext_crcs + __version_ext_names instead, as
#    6.14+ with CONFIG_EXTENDED_MODVERSIONS=y, CONFIG_BASIC_MODVERSIONS=n;
#    VERSIONS=both: both tables, as with both options =y, where a name too
#    long for struct modversion_info is left out of __versions only);
#  - the module's own exports: SYMBOL_CRC() (CRC from the genksyms stand-in).
#   v6-modpost OUTDIR NAME KDIR FLAVOUR VERSIONS REL (REL: OUTDIR as the owner column names it)
cmd_v6-modpost() {
	local out=$1 mod=$2 kdir=$3 flavour=$4 versions=$5 rel=$6
	local sym type ns rest crc und=() found=() crcs=() exports
	local -A ksyms=()
	while IFS=$'\t' read -r crc sym rest; do ksyms[$sym]=$crc; done <"$kdir/Module.symvers"
	while read -r sym; do
		und+=("$sym")
	done < <(readelf -sW "$out/$mod.o" |
		awk '$1 ~ /^[0-9]+:$/ && $7 == "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && NF >= 8 &&
		     $8 != "__this_module" && $8 != "_GLOBAL_OFFSET_TABLE_" { print $8 }')
	und+=(module_layout)
	for sym in "${und[@]}"; do
		# not exported anywhere: no entry (modpost reports a non-weak one)
		[[ -n ${ksyms[$sym]:-} ]] || continue
		found+=("$sym")
		crcs+=("${ksyms[$sym]}")
	done
	exports=$(v6_elf_exports "$out/$mod.o")
	# 6.5+: no __ksymtab in the .o, only .export_symbol markers
	[[ -n $exports ]] || exports=$(v6_export_markers "$out/$mod.o")
	local retpoline=CONFIG_RETPOLINE
	[[ $flavour != 6.1 ]] && retpoline=CONFIG_MITIGATION_RETPOLINE
	{
		printf '#include <linux/module.h>\n'
		printf '#define INCLUDE_VERMAGIC\n'
		printf '#include <linux/export-internal.h>\n'
		printf '#include <linux/vermagic.h>\n'
		printf '#include <linux/compiler.h>\n\n'
		printf 'MODULE_INFO(vermagic, VERMAGIC_STRING);\n'
		printf 'MODULE_INFO(name, KBUILD_MODNAME);\n\n'
		printf '__visible struct module __this_module\n'
		printf '__section(".gnu.linkonce.this_module") = {\n'
		this_module_fields
		printf '#ifdef %s\n' "$retpoline"
		printf 'MODULE_INFO(retpoline, "Y");\n'
		printf '#endif\n\n'
		if [[ -n $exports ]]; then
			while IFS='|' read -r sym type ns rest; do
				v6_crc "$sym"
				if [[ $type == EXPORT_SYMBOL_GPL ]]; then type=_gpl; else type=; fi
				if [[ $flavour == 7.2 ]]; then
					# 7.2 modpost (add_exported_symbols): one table, the GPL-only flag in SYMBOL_FLAGS()
					printf 'KSYMTAB_%s(%s, "%s");\nSYMBOL_CRC(%s, 0x%s);\nSYMBOL_FLAGS(%s, 0x%02x);\n' \
						"${rest#*|}" "$sym" "$ns" "$sym" "$CRC" "$sym" "$([[ $type == _gpl ]] && echo 1 || echo 0)"
					continue
				fi
				# a marker export (rest = "-|FUNC" or "-|DATA"): the ksymtab entry too
				[[ $rest != *'|'* ]] || printf 'KSYMTAB_%s(%s, "%s", "%s");\n' "${rest#*|}" "$sym" "$type" "$ns"
				printf 'SYMBOL_CRC(%s, 0x%s, "%s");\n' "$sym" "$CRC" "$type"
			done <<<"$exports"
			printf '\n'
		fi
		local i
		if [[ $versions != extended ]]; then
			printf 'static const struct modversion_info ____versions[]\n'
			printf '__used __section("__versions") = {\n'
			for i in "${!found[@]}"; do
				# MODULE_NAME_LEN = 56: "this symbol will only be in the extended info"
				[[ $versions == both && ${#found[$i]} -ge 56 ]] && continue
				printf '\t{ %s, "%s" },\n' "${crcs[$i]}" "${found[$i]}"
			done
			printf '};\n\n'
		fi
		if [[ $versions != basic ]]; then
			printf 'static const u32 ____version_ext_crcs[]\n'
			printf '__used __section("__version_ext_crcs") = {\n'
			for i in "${!found[@]}"; do printf '\t%s,\n' "${crcs[$i]}"; done
			printf '};\n'
			printf 'static const char ____version_ext_names[]\n'
			printf '__used __section("__version_ext_names") =\n'
			for i in "${!found[@]}"; do printf '\t"%s\\0"\n' "${found[$i]}"; done
			printf ';\n\n'
		fi
		printf 'MODULE_INFO(depends, "");\n'
	} >"$out/$mod.mod.c"
	rm -f "$out/Module.symvers"
	if [[ -n $exports ]]; then
		# the external module's Module.symvers: owner = the module's path without .ko
		while IFS='|' read -r sym type ns rest; do
			v6_crc "$sym"
			printf '0x%s\t%s\t%s\t%s\t%s\n' "$CRC" "$sym" "$rel/$mod" "$type" "$ns"
		done <<<"$exports" >"$out/Module.symvers"
	fi
}

# ---------------------------------------------------------------------------
# A headers directory as Debian 13's linux-headers-*-amd64 ships it
# (v6/kernels/btf-headers/): the 6.1 sample's Module.symvers and config
# beside a BTF-only vmlinux, the one distribution headers carry for BPF
# programs and resolve_btfids: `objcopy -j .BTF -j .BTF_ids` of the image,
# so no __ksymtab*/__kcrctab* section is left. As --kernel the directory must
# check as the 6.1 kernel; the vmlinux alone must be refused (no exports).
# The .BTF blob is a valid one-type BTF (struct btf_header, version 1, one
# BTF_KIND_INT "int"); its contents are never read.
# ---------------------------------------------------------------------------
#   btf-headers K61 DIR
cmd_btf-headers() {
	local k61=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$k61/include" "$dir/"
	cp "$k61/Module.symvers" "$k61/.config" "$dir/"
	# header: magic 0xeb9f, version 1, flags 0, hdr_len 24, type_off 0, type_len 16,
	# str_off 16, str_len 5; type: name_off 1, info BTF_KIND_INT<<24, size 4,
	# encoding BTF_INT_SIGNED<<24 | 32 bits; strings "\0int\0"
	printf '\x9f\xeb\x01\x00\x18\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x05\x00\x00\x00''\x01\x00\x00\x00\x00\x00\x00\x01\x04\x00\x00\x00\x20\x00\x00\x01''\x00int\x00' >"$dir/.btf.bin"
	printf '\x00%.0s' $(seq 16) >"$dir/.btf_ids.bin"
	objcopy --add-section .BTF="$dir/.btf.bin" --set-section-flags .BTF=alloc,readonly \
		--add-section .BTF_ids="$dir/.btf_ids.bin" "$k61/vmlinux" "$dir/.vmlinux.full" 2>/dev/null
	objcopy -j .BTF -j .BTF_ids "$dir/.vmlinux.full" "$dir/vmlinux" 2>/dev/null
	rm -f "$dir/.btf.bin" "$dir/.btf_ids.bin" "$dir/.vmlinux.full"
	if readelf -SW "$dir/vmlinux" | grep -q '__ksymtab\|__kcrctab'; then die "$dir/vmlinux: export sections left"; fi
	readelf -SW "$dir/vmlinux" | grep -q ' \.BTF ' || die "$dir/vmlinux: no .BTF section"
}

# ---------------------------------------------------------------------------
# The 7.2 sample as a headers directory (v6/kernels/7.2-headers/): its
# Module.symvers, config and include/ beside a BTF-only vmlinux (objcopy -j
# .BTF of the image, as distribution headers ship it): no export tables, but
# the .BTF with struct module the loader's size check needs.
# ---------------------------------------------------------------------------
#   v72-headers K DIR
cmd_v72-headers() {
	local k=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$k/include" "$dir/"
	cp "$k/Module.symvers" "$k/.config" "$dir/"
	objcopy -j .BTF "$k/vmlinux" "$dir/vmlinux" 2>/dev/null
	if readelf -SW "$dir/vmlinux" | grep -q '__ksymtab\|__kcrctab\|__kflagstab'; then die "$dir/vmlinux: export sections left"; fi
	readelf -SW "$dir/vmlinux" | grep -q ' \.BTF ' || die "$dir/vmlinux: no .BTF section"
}

# ---------------------------------------------------------------------------
# RPM kernel packages (samples/build/packages/): the 6.1 sample kernel as the
# three places RPM distributions keep a kernel's symbols, each built by the
# real rpmbuild with another payload compressor:
#   kernel-devel (usr/src/kernels/<release>/Module.symvers, .config) — xz,
#   kernel-core  (lib/modules/<release>/symvers.gz, config)          — zstd,
#   kernel       (boot/symvers-<release>.gz, boot/config-<release>)   — gzip.
# rpmbuild comes from Debian's `rpm` package, which scripts/build-samples installs.
# ---------------------------------------------------------------------------
build_rpm() { # NAME PAYLOAD(xzdio|zstdio|gzdio) FILE...  (files relative to the staging root $stage)
	local name=$1 payload=$2
	shift 2
	local top=$PKGOUT/rpmbuild-$name f
	rm -rf "$top"
	mkdir -p "$top/SPECS"
	{
		printf 'Name: %s\nVersion: 6.1.0\nRelease: sample\nSummary: ksymcheck sample %s\nLicense: GPLv2\nBuildArch: x86_64\nAutoReqProv: no\n' "$name" "$name"
		printf '%%description\nThe 6.1 sample kernel of ksymcheck as %s.\n' "$name"
		printf '%%install\nmkdir -p %%{buildroot}\ncp -a %s/. %%{buildroot}/\n' "$stage"
		printf '%%files\n'
		for f in "$@"; do printf '/%s\n' "$f"; done
	} >"$top/SPECS/$name.spec"
	rpmbuild -bb --quiet --define "_topdir $top" --define "_binary_payload w9.$payload" \
		--define '__os_install_post %{nil}' --define '_build_id_links none' --define 'debug_package %{nil}' \
		"$top/SPECS/$name.spec" >>"$PKGOUT/rpmbuild.log" 2>&1 || die "rpmbuild $name failed (see $PKGOUT/rpmbuild.log)"
	mv "$top"/RPMS/x86_64/*.rpm "$PKGOUT/"
	rm -rf "$top"
}

# The three RPMs of the 6.1 sample kernel (see samples/mk/packages.mk).
#   rpm NAME(kernel-devel|kernel-core|kernel) PKGOUT K61
cmd_rpm() {
	local name=$1 k61=$3 rel=6.1.0-sample.x86_64 stage
	PKGOUT=$2
	command -v rpmbuild >/dev/null 2>&1 || die "rpmbuild is needed for the RPM samples (Debian package rpm; scripts/build-samples installs it)"
	stage=$PKGOUT/stage-${name#kernel-}
	rm -rf "$stage"
	case $name in
	kernel-devel)
		mkdir -p "$stage/usr/src/kernels/$rel/include/config"
		cp "$k61/Module.symvers" "$k61/.config" "$stage/usr/src/kernels/$rel/"
		build_rpm kernel-devel xzdio "usr/src/kernels/$rel/Module.symvers" "usr/src/kernels/$rel/.config" ;;
	kernel-core)
		mkdir -p "$stage/lib/modules/$rel"
		gzip -n -9 -c "$k61/Module.symvers" >"$stage/lib/modules/$rel/symvers.gz"
		cp "$k61/.config" "$stage/lib/modules/$rel/config"
		build_rpm kernel-core zstdio "lib/modules/$rel/symvers.gz" "lib/modules/$rel/config" ;;
	kernel)
		mkdir -p "$stage/boot"
		gzip -n -9 -c "$k61/Module.symvers" >"$stage/boot/symvers-$rel.gz"
		cp "$k61/.config" "$stage/boot/config-$rel"
		build_rpm kernel gzdio "boot/symvers-$rel.gz" "boot/config-$rel" ;;
	*) die "rpm: unknown package $name" ;;
	esac
	rm -rf "$stage"
}

# DWARF edge case: a function 600 lexical blocks deep (gcc -O0 keeps one DW_TAG_lexical_block per
# block with a variable), generated rather than kept as 1,200 lines of braces.
#   nested OUT_C
cmd_nested() {
	local i
	{
		printf '/* generated by scripts/build-samples: 600 nested blocks */\nint sink(int);\nint deep(int a)\n{\n'
		for ((i = 1; i <= 600; i++)); do printf '{ volatile int v%d = a + %d; a = sink(v%d);\n' "$i" "$i" "$i"; done
		for ((i = 1; i <= 600; i++)); do printf '}'; done
		printf '\nreturn a;\n}\n'
	} >"$1"
}

# 70,000 .text.fN sections (+ .text/.data/.bss/.symtab/...) > SHN_LORESERVE
# (0xff00 = 65280): e_shnum = 0, e_shstrndx = SHN_XINDEX, real values in
# section 0; symbols in sections >= 0xff00 get st_shndx = SHN_XINDEX and
# their index in .symtab_shndx.  .data relocates against low and high ones.
#   many-sections OUT_S
cmd_many-sections() {
	awk -v n=70000 'BEGIN {
		print "\t.file\t\"many-sections.s\""
		for (i = 0; i < n; i++) {
			printf "\t.section .text.f%d,\"ax\",@progbits\n\t.globl f%d\n\t.type f%d,@function\nf%d:\n\tret\n\t.size f%d,1\n", i, i, i, i, i
		}
		print "\t.section .text.local_last,\"ax\",@progbits"
		print "local_last:\n\tret"
		print "\t.data\n\t.globl table\n\t.type table,@object\ntable:"
		printf "\t.quad f0\n\t.quad f65279\n\t.quad f65280\n\t.quad f%d\n\t.quad local_last\n", n - 1
		print "\t.size table,40"
	}' >"$1"
}

# The big-endian fixtures' __versions CRCs: the same table as the seed kernels, as --defsym options.
cmd_be-defsyms() {
	local s
	for s in module_layout printk kfree __put_page; do printf -- '--defsym CRC_%s=0x%s ' "$s" "$(crc_of "$s")"; done
}

# The .config lines that tell each architecture (arch/<arch>/Kconfig symbols, as Debian's configs set them).
config_of() {
	case $1 in
	x86_64) printf 'CONFIG_X86_64=y\nCONFIG_X86=y\nCONFIG_64BIT=y\n' ;;
	i386) printf 'CONFIG_X86_32=y\nCONFIG_X86=y\nCONFIG_M686=y\nCONFIG_X86_PAE=y\n' ;;
	arm64) printf 'CONFIG_ARM64=y\nCONFIG_64BIT=y\n' ;;
	armhf) printf 'CONFIG_ARM=y\nCONFIG_CPU_32v7=y\nCONFIG_ARM_PATCH_PHYS_VIRT=y\n# CONFIG_THUMB2_KERNEL is not set\n' ;;
	ppc64el) printf 'CONFIG_PPC64=y\nCONFIG_PPC=y\nCONFIG_64BIT=y\nCONFIG_CPU_LITTLE_ENDIAN=y\nCONFIG_PPC64_ELF_ABI_V2=y\nCONFIG_MPROFILE_KERNEL=y\nCONFIG_RELOCATABLE=y\n' ;;
	s390x) printf 'CONFIG_S390=y\nCONFIG_64BIT=y\n' ;;
	riscv64) printf 'CONFIG_RISCV=y\nCONFIG_64BIT=y\n' ;;
	*) die "arch-kconfig: unknown architecture $1" ;;
	esac
}

# A headers-like tree of a Debian 6.1.192 kernel for one architecture (samples/mk/arch.mk):
# .config, auto.conf, kernel.release, utsrelease.h (RELEASE), Module.symvers.
#   arch-kconfig ARCH RELEASE KDIR
cmd_arch-kconfig() {
	local arch=$1 release=$2 kdir=$3
	mkdir -p "$kdir/include/config" "$kdir/include/generated"
	{
		printf '#\n# Automatically generated file; DO NOT EDIT.\n#\n'
		config_of "$arch"
		printf 'CONFIG_SMP=y\nCONFIG_PREEMPT_VOLUNTARY=y\n# CONFIG_PREEMPT_RT is not set\nCONFIG_MODULES=y\nCONFIG_MODULE_UNLOAD=y\n# CONFIG_MODVERSIONS is not set\n# CONFIG_MODULE_FORCE_LOAD is not set\n'
	} >"$kdir/.config"
	cp "$kdir/.config" "$kdir/include/config/auto.conf"
	printf '%s\n' 6.1.192 >"$kdir/include/config/kernel.release"
	printf '#define UTS_RELEASE "%s"\n' "$release" >"$kdir/include/generated/utsrelease.h"
	printf '0x00000000\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n' >"$kdir/Module.symvers"
}

cmd=${1:-}
[[ -n $cmd && $(type -t "cmd_$cmd") == function ]] || die "usage: $0 COMMAND ARGS... (unknown command '$cmd')"
shift
"cmd_$cmd" "$@"
