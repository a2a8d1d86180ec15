# seed/: the Linux 4.18 OpenAFS put_page() case (samples/README.md section 1): two tiny 4.18-rc5 / 4.18
# kernel builds (vmlinux, Module.symvers, config) and the OpenAFS-like libafs module (+ a GPL control,
# + an i386 variant), the module stripped with its DWARF apart, and the DWARF compressed.

SEED     := $(S)/seed
KSRC     := $(SEED)/kernel
INC      := $(SEED)/include
SEED_OUT := $(OUT)/seed
SEED_DEP := $(S)/mk/seed.mk $(COMMON)

# The config files of a kernel build directory (written together by kbuild.sh kconfig-*)
kconfig_files = $(addprefix $(1)/,.config include/config/auto.conf include/config/kernel.release \
	include/generated/autoconf.h include/generated/utsrelease.h)

# Compiler flags of a 4.18 x86_64 kbuild (the relevant subset).
KFLAGS_COMMON := -nostdinc -I$(INC) -D__KERNEL__ -std=gnu89 -O2 -Wall -Wno-unused-function -Wno-missing-attributes \
	-ffreestanding -fno-common -fno-strict-aliasing -fno-pic -fno-pie \
	-fno-asynchronous-unwind-tables -fno-stack-protector -fcf-protection=none \
	-fno-delete-null-pointer-checks -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -mno-80387
KFLAGS_x86_64 := -m64 -mcmodel=kernel -mno-red-zone -mindirect-branch=thunk-extern \
	-mindirect-branch-register -DRETPOLINE
KFLAGS_i386 := -m32 -msoft-float -mregparm=3 -freg-struct-return -march=i686 \
	-mpreferred-stack-boundary=2
# ftrace: every traced function starts with "call __fentry__"; -mrecord-mcount
# produces the __mcount_loc section (recordmcount's job in 4.18).
KFLAGS_FTRACE := -pg -mfentry -mrecord-mcount -DCC_USING_FENTRY
EMUL_x86_64 := elf_x86_64
EMUL_i386   := elf_i386

SEED_KSRCS := $(KSRC)/entry_64.S $(sort $(wildcard $(KSRC)/*.c))
SEED_KOBJS := $(notdir $(basename $(SEED_KSRCS)))

# ---------------------------------------------------------------------------------------------------
# A tiny 4.18 x86_64 kernel: vmlinux + Module.symvers + System.map + config files.
#   $(call seed_kernel,NAME,RELEASE,EXTRA_CFLAGS)
# ---------------------------------------------------------------------------------------------------
define seed_kernel
$(call kconfig_files,$(SEED_OUT)/kernels/$(1)) &: $(SEED_DEP)
	$$(call msg,KCONFIG)
	$(Q)$(KB) kconfig-4.18 $(SEED_OUT)/kernels/$(1) $(2) x86_64

SEED_CFLAGS_$(1) := $(KFLAGS_COMMON) $(KFLAGS_x86_64) -I$(KSRC) -I$(SEED_OUT)/kernels/$(1)/include \
	-include $(SEED_OUT)/kernels/$(1)/include/generated/autoconf.h $(3)

$(SEED_OUT)/obj/$(1)/.tmp_entry_64.o: $(KSRC)/entry_64.S $(SEED_OUT)/kernels/$(1)/include/generated/autoconf.h $(SEED_DEP) | $(DEPDIR)
	$$(call msg,AS)
	@mkdir -p $$(@D)
	$(Q)gcc $$(SEED_CFLAGS_$(1)) -D__ASSEMBLY__ -c -o $$@ $$< $$(DEPFLAGS)

$(SEED_OUT)/obj/$(1)/.tmp_%.o: $(KSRC)/%.c $(SEED_OUT)/kernels/$(1)/include/generated/autoconf.h $(SEED_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)gcc $$(SEED_CFLAGS_$(1)) -DKBUILD_BASENAME='"$$*"' -DKBUILD_MODNAME='"$$*"' -c -o $$@ $$< $$(DEPFLAGS)

# the genksyms stand-in: .tmp_<obj>.ver, <obj>.o re-linked with it (or a copy)
$(patsubst %,$(SEED_OUT)/obj/$(1)/%.o,$(SEED_KOBJS)): $(SEED_OUT)/obj/$(1)/%.o: $(SEED_OUT)/obj/$(1)/.tmp_%.o $(SEED_DEP)
	$$(call msg,GENKSYMS)
	$(Q)$(KB) genksyms $$< $(SEED_OUT)/obj/$(1)/.tmp_$$*.ver $$@

# Link as arch/x86/Makefile + scripts/link-vmlinux.sh did (CONFIG_RANDOMIZE_BASE
# => --emit-relocs, so the image keeps .rela.* sections like distro vmlinux).
$(SEED_OUT)/kernels/$(1)/vmlinux: $(patsubst %,$(SEED_OUT)/obj/$(1)/%.o,$(SEED_KOBJS)) $(KSRC)/vmlinux.lds $(SEED_DEP)
	$$(call msg,LD)
	$(Q)ld -m elf_x86_64 -z max-page-size=0x200000 --emit-relocs --build-id \
		-T $(KSRC)/vmlinux.lds -o $$@ $(patsubst %,$(SEED_OUT)/obj/$(1)/%.o,$(SEED_KOBJS))

$(SEED_OUT)/kernels/$(1)/System.map: $(SEED_OUT)/kernels/$(1)/vmlinux $(SEED_DEP)
	$$(call msg,NM)
	$(Q)nm -n $$< | grep -v '\( [aNUw] \)\|\(__crc_\)\|\( \$$$$[adt]\)' >$$@

# modpost (4.18) for vmlinux, checked against the CRC table
$(SEED_OUT)/kernels/$(1)/Module.symvers: $(SEED_OUT)/kernels/$(1)/vmlinux $(SEED_DEP)
	$$(call msg,MODPOST)
	$(Q)$(KB) symvers-4.18 $$< $$@

seed: $(SEED_OUT)/kernels/$(1)/vmlinux $(SEED_OUT)/kernels/$(1)/System.map $(SEED_OUT)/kernels/$(1)/Module.symvers
endef

$(eval $(call seed_kernel,4.18-rc5,4.18.0-rc5,-DRC5))
$(eval $(call seed_kernel,4.18,4.18.0,))

# i386 "kernel headers" directory: config + the same export table (no i386 vmlinux is built).
# NB: real ZONE_DEVICE (hence DEV_PAGEMAP_OPS) is x86_64-only; it is kept on here so the ELF32
# module carries the same devmap references.
SEED_K32 := $(SEED_OUT)/kernels/4.18-rc5-i386
$(call kconfig_files,$(SEED_K32)) &: $(SEED_DEP)
	$(call msg,KCONFIG)
	$(Q)$(KB) kconfig-4.18 $(SEED_K32) 4.18.0-rc5 i386
$(SEED_K32)/Module.symvers: $(SEED_OUT)/kernels/4.18-rc5/Module.symvers $(SEED_DEP)
	$(call msg,CP)
	@mkdir -p $(@D)
	$(Q)cp $< $@

# ---------------------------------------------------------------------------------------------------
# The OpenAFS-like module, built against a kernel directory, then the modpost step (libafs.mod.c)
# and the final link, as 4.18 kbuild does. Compiled from $(ROOT) with -g, so that the DWARF's
# comp_dir and file names are "./..." wherever the checkout is.
#   $(call seed_openafs,DIR,KDIR,ARCH,EXTRA_CFLAGS)
# ---------------------------------------------------------------------------------------------------
define seed_openafs
AFS_CFLAGS_$(1) := $(KFLAGS_COMMON) $(KFLAGS_$(3)) $(KFLAGS_FTRACE) -g -fdebug-prefix-map=$(ROOT)=. \
	-I$(2)/include -include $(2)/include/generated/autoconf.h -DMODULE -DKBUILD_MODNAME='"libafs"'

$(SEED_OUT)/$(1)/osi_vm.o $(SEED_OUT)/$(1)/osi_module.o: $(SEED_OUT)/$(1)/%.o: $(SEED)/openafs/%.c $(2)/include/generated/autoconf.h $(SEED_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)cd $(ROOT) && gcc $$(AFS_CFLAGS_$(1)) $(4) -DKBUILD_BASENAME='"$$*"' -c -o $$@ $$< $$(DEPFLAGS)

# composite object (libafs-objs := ...): what modpost reads
$(SEED_OUT)/$(1)/libafs.o: $(SEED_OUT)/$(1)/osi_vm.o $(SEED_OUT)/$(1)/osi_module.o $(SEED_DEP)
	$$(call msg,LD)
	$(Q)ld -m $(EMUL_$(3)) -r -o $$@ $(SEED_OUT)/$(1)/osi_vm.o $(SEED_OUT)/$(1)/osi_module.o

$(SEED_OUT)/$(1)/libafs.mod.c: $(SEED_OUT)/$(1)/libafs.o $(2)/Module.symvers $(SEED_DEP)
	$$(call msg,MODPOST)
	$(Q)$(KB) modpost-4.18 $(SEED_OUT)/$(1) libafs $(2) samples/build/seed/$(1)/libafs

$(SEED_OUT)/$(1)/libafs.mod.o: $(SEED_OUT)/$(1)/libafs.mod.c $(2)/include/generated/autoconf.h $(SEED_DEP) | $(DEPDIR)
	$$(call msg,CC)
	$(Q)cd $(ROOT) && gcc $$(AFS_CFLAGS_$(1)) -DKBUILD_BASENAME='"libafs.mod"' -c -o $$@ $$< $$(DEPFLAGS)

# cmd_ld_ko_o of 4.18 scripts/Makefile.modpost
$(SEED_OUT)/$(1)/libafs.ko: $(SEED_OUT)/$(1)/libafs.o $(SEED_OUT)/$(1)/libafs.mod.o $(KSRC)/module-common.lds $(SEED_DEP)
	$$(call msg,LD)
	$(Q)ld -r -m $(EMUL_$(3)) -T $(KSRC)/module-common.lds --build-id -o $$@ $(SEED_OUT)/$(1)/libafs.o $(SEED_OUT)/$(1)/libafs.mod.o

seed: $(SEED_OUT)/$(1)/libafs.ko
endef

$(eval $(call seed_openafs,openafs,$(SEED_OUT)/kernels/4.18-rc5,x86_64,))
$(eval $(call seed_openafs,openafs-gpl,$(SEED_OUT)/kernels/4.18-rc5,x86_64,-DAFS_MODULE_LICENSE='"GPL"'))
ifeq ($(M32_OK),yes)
$(eval $(call seed_openafs,openafs-i386,$(SEED_K32),i386,))
UNSKIP += $(SEED_OUT)/openafs-i386.SKIPPED
else
seed: $(SEED_OUT)/openafs-i386.SKIPPED
$(SEED_OUT)/openafs-i386.SKIPPED: REASON := gcc -m32 unavailable (gcc-multilib could not be installed)
endif

# ---------------------------------------------------------------------------------------------------
# What a distribution ships: the module stripped of its DWARF (strip --strip-debug, as Debian's
# dh_strip and DKMS do), and the DWARF apart, where gdb looks for it: under a debug directory by the
# module's build ID (.build-id/xx/rest.debug) and by its installed path
# (lib/modules/<release>/kernel/…/<name>.ko, as Debian's linux-image-*-dbg packages lay it out).
# ---------------------------------------------------------------------------------------------------
AFS_KO := $(SEED_OUT)/openafs/libafs.ko
AFS_DEBUG_BY_PATH := $(SEED_OUT)/debug/by-path/lib/modules/4.18.0-rc5/kernel/fs/afs/libafs.ko

$(SEED_OUT)/openafs-stripped/libafs.ko: $(AFS_KO) $(SEED_DEP)
	$(call msg,STRIP)
	@mkdir -p $(@D)
	$(Q)objcopy --strip-debug $< $@

# by path, and (same recipe: its name is the build ID) by build ID
$(AFS_DEBUG_BY_PATH): $(AFS_KO) $(SEED_DEP)
	$(call msg,DEBUG)
	$(Q)id=$$(readelf -nW $< | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p'); \
	[[ -n $$id ]] || { echo "samples: ERROR: $< has no build ID" >&2; exit 1; }; \
	rm -rf $(SEED_OUT)/debug/by-id; \
	mkdir -p $(SEED_OUT)/debug/by-id/.build-id/$${id:0:2} $(@D); \
	objcopy --only-keep-debug $< $(SEED_OUT)/debug/by-id/.build-id/$${id:0:2}/$${id:2}.debug; \
	objcopy --only-keep-debug $< $@

# the same DWARF compressed: SHF_COMPRESSED zlib and zstd, and the older .zdebug_* (zlib-gnu)
$(SEED_OUT)/compressed-debug/%/libafs.ko: $(AFS_KO) $(SEED_DEP)
	$(call msg,COMPRESS)
	@mkdir -p $(@D)
	$(Q)objcopy --compress-debug-sections=$* $< $@ || \
		{ rm -f $@; echo "samples: NOTE: objcopy --compress-debug-sections=$* failed: no seed/compressed-debug/$*" >&2; }

seed: $(SEED_OUT)/openafs-stripped/libafs.ko $(AFS_DEBUG_BY_PATH) \
	$(patsubst %,$(SEED_OUT)/compressed-debug/%/libafs.ko,zlib zlib-gnu zstd)
