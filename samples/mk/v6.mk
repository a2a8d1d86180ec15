# v6/: "6.1-style", "6.16" and "7.2" x86_64 kernels (PREL32 ksymtab with namespaces, CRCs as data in
# __kcrctab*, 5-column Module.symvers) and modules built against them, plus two headers directories
# with a BTF-only vmlinux. See samples/README.md section 3.

V6SRC  := $(S)/v6
V6INC  := $(V6SRC)/include
V6KSRC := $(V6SRC)/kernel
V6OUT  := $(OUT)/v6
V6_DEP := $(S)/mk/v6.mk $(COMMON)

# Compiler flags of a 6.1 x86_64 kbuild (the relevant subset): retpolines
# and return thunks (CONFIG_RETPOLINE, CONFIG_RETHUNK: every "ret" of C code
# becomes "jmp __x86_return_thunk"), no jump tables.
V6_KFLAGS := -nostdinc -I$(V6INC) -D__KERNEL__ -std=gnu11 -O2 -Wall -Wno-unused-function \
	-ffreestanding -fno-common -fno-strict-aliasing -fno-pic -fno-pie \
	-fno-asynchronous-unwind-tables -fno-stack-protector -fcf-protection=none \
	-fno-delete-null-pointer-checks -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -mno-80387 \
	-m64 -mcmodel=kernel -mno-red-zone -mindirect-branch=thunk-extern -mindirect-branch-register \
	-mfunction-return=thunk-extern -fno-jump-tables
V6_FTRACE := -pg -mfentry -mrecord-mcount -DCC_USING_FENTRY
# 7.2: the sources leave .export_symbol markers (6.5+), the ksymtab comes from .vmlinux.export.c
V6_FLAVOUR_FLAGS_7.2 := -DEXPORT_MARKERS_6_12 -DEXPORT_FLAGS_7_1

V6_KSRCS := $(V6KSRC)/entry_64.S $(sort $(wildcard $(V6KSRC)/*.c))
V6_KOBJS := $(notdir $(basename $(V6_KSRCS)))

# ---------------------------------------------------------------------------------------------------
# A v6 kernel: vmlinux + Module.symvers + System.map (+ config files).
#   $(call v6_kernel,NAME=FLAVOUR(6.1|6.16|7.2),RELEASE)
# ---------------------------------------------------------------------------------------------------
define v6_kernel
V6K_$(1) := $(V6OUT)/kernels/$(1)
V6O_$(1) := $(V6OUT)/obj/$(1)
V6_KCFLAGS_$(1) := $(V6_KFLAGS) -I$(V6OUT)/kernels/$(1)/include -include $(V6OUT)/kernels/$(1)/include/generated/autoconf.h \
	$(V6_FLAVOUR_FLAGS_$(1))

$(call kconfig_files,$(V6OUT)/kernels/$(1)) &: $(V6_DEP)
	$$(call msg,KCONFIG)
	$(Q)$(KB) kconfig-v6 $(V6OUT)/kernels/$(1) $(2) $(1)

$(V6OUT)/obj/$(1)/entry_64.o: $(V6KSRC)/entry_64.S $(V6OUT)/kernels/$(1)/include/generated/autoconf.h $(V6_DEP) | $(DEPDIR)
	$$(call msg,AS)
	@mkdir -p $$(@D)
	$(Q)gcc $$(V6_KCFLAGS_$(1)) -D__ASSEMBLY__ -c -o $$@ $$< $$(DEPFLAGS)

$(V6OUT)/obj/$(1)/%.o: $(V6KSRC)/%.c $(V6OUT)/kernels/$(1)/include/generated/autoconf.h $(V6_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)gcc $$(V6_KCFLAGS_$(1)) -DKBUILD_BASENAME='"$$*"' -DKBUILD_MODNAME='"$$*"' -c -o $$@ $$< $$(DEPFLAGS)

# scripts/Makefile.vmlinux_o (6.1): everything into vmlinux.o first
$(V6OUT)/obj/$(1)/vmlinux.o: $(patsubst %,$(V6OUT)/obj/$(1)/%.o,$(V6_KOBJS)) $(V6_DEP)
	$$(call msg,LD)
	$(Q)ld -m elf_x86_64 -r -o $$@ $(patsubst %,$(V6OUT)/obj/$(1)/%.o,$(V6_KOBJS))

# modpost on vmlinux.o: .vmlinux.export.c and vmlinux.symvers (= Module.symvers)
$(V6OUT)/obj/$(1)/.vmlinux.export.c $(V6OUT)/kernels/$(1)/Module.symvers &: $(V6OUT)/obj/$(1)/vmlinux.o $(V6_DEP)
	$$(call msg,MODPOST)
	$(Q)$(KB) v6-vmlinux-export $(1) $(V6OUT)/obj/$(1) $(V6OUT)/kernels/$(1)

$(V6OUT)/obj/$(1)/.vmlinux.export.o: $(V6OUT)/obj/$(1)/.vmlinux.export.c $(V6_DEP) | $(DEPDIR)
	$$(call msg,CC)
	$(Q)gcc $$(V6_KCFLAGS_$(1)) -DKBUILD_BASENAME='"vmlinux.export"' -c -o $$@ $$< $$(DEPFLAGS)

# CONFIG_DEBUG_INFO_BTF (6.16, 7.2): the types of the kernel in .BTF (gcc -gbtf of a file with the
# kernel's struct module: the size the loader compares .gnu.linkonce.this_module with)
$(V6OUT)/obj/$(1)/btf.c: $(V6_DEP)
	$$(call msg,GEN)
	@mkdir -p $$(@D)
	$(Q)printf '#include <linux/module.h>\nstruct module *btf_struct_module;\n' >$$@
$(V6OUT)/obj/$(1)/btf.o: $(V6OUT)/obj/$(1)/btf.c $(V6OUT)/kernels/$(1)/include/generated/autoconf.h $(V6_DEP) | $(DEPDIR)
	$$(call msg,CC)
	$(Q)cd $(ROOT) && gcc $$(V6_KCFLAGS_$(1)) -gbtf -c -o $$@ $$< $$(DEPFLAGS)
$(V6OUT)/obj/$(1)/btf.bin: $(V6OUT)/obj/$(1)/btf.o $(V6_DEP)
	$$(call msg,OBJCOPY)
	$(Q)objcopy --dump-section .BTF=$$@ $$<

# the link, the .BTF, and the check: what the linked vmlinux records (types, namespaces, CRC data at
# __crc_<sym>) is exactly Module.symvers, and every CRC is the table's
$(V6OUT)/kernels/$(1)/vmlinux: $(V6OUT)/obj/$(1)/vmlinux.o $(V6OUT)/obj/$(1)/.vmlinux.export.o $(V6KSRC)/vmlinux.lds \
		$(V6OUT)/kernels/$(1)/Module.symvers $(if $(filter-out 6.1,$(1)),$(V6OUT)/obj/$(1)/btf.bin) $(V6_DEP)
	$$(call msg,LD)
	$(Q)ld -m elf_x86_64 -z max-page-size=0x200000 --emit-relocs --build-id=sha1 \
		-T $(V6KSRC)/vmlinux.lds -o $$@ $(V6OUT)/obj/$(1)/vmlinux.o $(V6OUT)/obj/$(1)/.vmlinux.export.o
	$(if $(filter-out 6.1,$(1)),$(Q)objcopy --add-section .BTF=$(V6OUT)/obj/$(1)/btf.bin --set-section-flags .BTF=alloc$(comma)readonly $$@ 2>/dev/null)
	$(Q)$(KB) v6-check $(V6OUT)/kernels/$(1)

$(V6OUT)/kernels/$(1)/System.map: $(V6OUT)/kernels/$(1)/vmlinux $(V6_DEP)
	$$(call msg,NM)
	$(Q)nm -n $$< | grep -v '\( [aNUw] \)\|\(__crc_\)\|\( \$$$$[adt]\)' >$$@

v6: $(V6OUT)/kernels/$(1)/vmlinux $(V6OUT)/kernels/$(1)/System.map
endef

$(eval $(call v6_kernel,6.1,6.1.0))
$(eval $(call v6_kernel,6.16,6.16.0))
# 7.2: exports through .vmlinux.export.c with KSYMTAB_*() and SYMBOL_FLAGS() (__kflagstab, no __ksymtab_gpl)
$(eval $(call v6_kernel,7.2,7.2.0))

# ---------------------------------------------------------------------------------------------------
# A module built against a v6 kernel directory the way 6.1 kbuild does for an external module (M=):
# compile, "ld -r" into <name>.o (what modpost reads; a single-object module's <name>.o is the
# compiled file), modpost writes <name>.mod.c (and Module.symvers when the module exports), compile
# it, final link with module.lds. MARKERS=1: the sources are compiled with the 6.12 export.h
# (EXPORT_MARKERS_6_12: .export_symbol markers only), and modpost writes the module's
# KSYMTAB_FUNC()/KSYMTAB_DATA() into the .mod.c, as 6.5+.
#   $(call v6_module,DIR,NAME,KERNEL(6.1|6.16|7.2),VERSIONS(basic|extended|both),SOURCES,MARKERS)
# ---------------------------------------------------------------------------------------------------
define v6_module
V6M_CFLAGS_$(1) := $(V6_KFLAGS) $(V6_FTRACE) -I$(V6OUT)/kernels/$(3)/include \
	-include $(V6OUT)/kernels/$(3)/include/generated/autoconf.h -DMODULE -DKBUILD_MODNAME='"$(subst -,_,$(2))"' \
	$(if $(6),-DEXPORT_MARKERS_6_12) $(V6_FLAVOUR_FLAGS_$(3))

$(V6OUT)/$(1)/$(2).o: $(patsubst %,$(V6SRC)/modules/%.c,$(5)) $(V6OUT)/kernels/$(3)/include/generated/autoconf.h $(V6_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)for s in $(5); do \
		gcc $$(V6M_CFLAGS_$(1)) -DKBUILD_BASENAME="\"$$$${s//-/_}\"" -c -o $$(@D)/$$$$s.tmp.o $(V6SRC)/modules/$$$$s.c \
			-MD -MP -MT $$@ -MF $$(depfile:.d=)-$$$$s.d; \
	done
	$(Q)$(if $(filter $(2),$(5)),mv $$(@D)/$(2).tmp.o $$@,ld -m elf_x86_64 -r -o $$@ $(patsubst %,$$(@D)/%.tmp.o,$(5)) && rm -f $(patsubst %,$$(@D)/%.tmp.o,$(5)))

$(V6OUT)/$(1)/$(2).mod.c: $(V6OUT)/$(1)/$(2).o $(V6OUT)/kernels/$(3)/Module.symvers $(V6_DEP)
	$$(call msg,MODPOST)
	$(Q)$(KB) v6-modpost $(V6OUT)/$(1) $(2) $(V6OUT)/kernels/$(3) $(3) $(4) samples/build/v6/$(1)

$(V6OUT)/$(1)/$(2).mod.o: $(V6OUT)/$(1)/$(2).mod.c $(V6_DEP) | $(DEPDIR)
	$$(call msg,CC)
	$(Q)gcc $$(V6M_CFLAGS_$(1)) -DKBUILD_BASENAME='"$(subst -,_,$(2)).mod"' -c -o $$@ $$< $$(DEPFLAGS)

# cmd_ld_ko_o of 6.1 scripts/Makefile.modfinal
$(V6OUT)/$(1)/$(2).ko: $(V6OUT)/$(1)/$(2).o $(V6OUT)/$(1)/$(2).mod.o $(V6KSRC)/module.lds $(V6_DEP)
	$$(call msg,LD)
	$(Q)ld -r -m elf_x86_64 --build-id=sha1 -T $(V6KSRC)/module.lds -o $$@ $(V6OUT)/$(1)/$(2).o $(V6OUT)/$(1)/$(2).mod.o

v6: $(V6OUT)/$(1)/$(2).ko
endef

$(eval $(call v6_module,modules/ns-missing,ns-missing,6.1,basic,ns-missing,))
$(eval $(call v6_module,modules/ns-imported,ns-imported,6.1,basic,ns-imported,))
$(eval $(call v6_module,modules/fpu-user,fpu-user,6.1,basic,fpu-user,))
$(eval $(call v6_module,modules/weak-user,weak-user,6.1,basic,weak-user,))
$(eval $(call v6_module,modules/exporter,exporter,6.1,basic,exporter,))
$(eval $(call v6_module,modules/dup-export,dup-export,6.1,basic,dup-export,))
$(eval $(call v6_module,modules/ext-versions,ext-versions,6.16,extended,ext-versions,))
# the same source, both tables (CONFIG_BASIC_MODVERSIONS=y too): obj-m := ext-both.o
$(eval $(call v6_module,modules/ext-both,ext-both,6.16,both,ext-versions,))
# composite modules: kvm-ish.o -> kvm-amd.ko, vbox.o -> vboxdrv.ko
$(eval $(call v6_module,modules/kvm-amd,kvm-amd,6.16,basic,kvm-ish,))
$(eval $(call v6_module,modules/vboxdrv,vboxdrv,6.16,basic,vbox,))
# 6.5+ modules: export-marker.o carries only .export_symbol markers (modpost's input),
# export-marker.ko the __ksymtab* entries of its .mod.c; marker-user (Proprietary) uses its plain,
# GPL-only and namespaced exports. In a folder of their own: the tests that check modules/ as a tree
# expect its 10 modules.
$(eval $(call v6_module,markers/export-marker,export-marker,6.16,basic,export-marker,1))
$(eval $(call v6_module,markers/marker-user,marker-user,6.16,basic,marker-user,1))
# 7.2: MODULE_IMPORT_NS("module:kvm,kvm-*"), which 6.16+ refuses at build and load time
$(eval $(call v6_module,v72/ns-module-import,ns-module-import,7.2,basic,ns-module-import,))
# the same two the 7.2 way (one __ksymtab, GPL-only flags in __kflagstab), in v72/
$(eval $(call v6_module,v72/export-marker,export-marker,7.2,basic,export-marker,))
$(eval $(call v6_module,v72/marker-user,marker-user,7.2,basic,marker-user,))

# ---------------------------------------------------------------------------------------------------
# Headers directories with a BTF-only vmlinux (kbuild.sh btf-headers / v72-headers say what and why):
# v6/kernels/btf-headers/ from the 6.1 sample, v6/kernels/7.2-headers/ from the 7.2 one.
# ---------------------------------------------------------------------------------------------------
$(V6OUT)/kernels/btf-headers/vmlinux: $(V6OUT)/kernels/6.1/vmlinux $(V6OUT)/kernels/6.1/Module.symvers \
		$(call kconfig_files,$(V6OUT)/kernels/6.1) $(V6_DEP)
	$(call msg,HEADERS)
	$(Q)$(KB) btf-headers $(V6OUT)/kernels/6.1 $(@D)

$(V6OUT)/kernels/7.2-headers/vmlinux: $(V6OUT)/kernels/7.2/vmlinux $(V6OUT)/kernels/7.2/Module.symvers \
		$(call kconfig_files,$(V6OUT)/kernels/7.2) $(V6_DEP)
	$(call msg,HEADERS)
	$(Q)$(KB) v72-headers $(V6OUT)/kernels/7.2 $(@D)

v6: $(V6OUT)/kernels/btf-headers/vmlinux $(V6OUT)/kernels/7.2-headers/vmlinux
