# arch/: one module and a headers-like tree per architecture Debian builds (samples/README.md section 4):
#   kernels/<arch>/   .config (the options that tell the architecture and its vermagic part),
#                     include/config/kernel.release (6.1.192), include/generated/utsrelease.h
#                     (6.1.0-99-<flavour>), Module.symvers
#   modules/<arch>/hello.ko   samples/arch/hello.c built by Debian 12's cross gcc-12 for that
#                     architecture (i386: gcc -m32), vermagic= the string that kernel's would be
#   modules/<arch>/hello-nounload.ko   the same without `mod_unload ` in its vermagic
#   modules/ppc64el/helpers.o   modpost's input calling _savegpr1_14 and _restfpr_20 (gcc -Os's helpers)
# An architecture whose compiler is missing (scripts/build-samples installs them) is written to
# modules/<arch>.SKIPPED and left out.

ARCHSRC  := $(S)/arch
ARCH_OUT := $(OUT)/arch
ARCH_DEP := $(S)/mk/arch.mk $(COMMON)
space := $(subst ,, )

ARCHES := x86_64 i386 arm64 armhf ppc64el s390x riscv64
#                        flavour               compiler                       package
ARCH_x86_64  := amd64       gcc                          gcc
ARCH_i386    := 686-pae     gcc                          gcc-multilib
ARCH_arm64   := arm64       aarch64-linux-gnu-gcc-12     gcc-12-aarch64-linux-gnu
ARCH_armhf   := armmp       arm-linux-gnueabihf-gcc-12   gcc-12-arm-linux-gnueabihf
ARCH_ppc64el := powerpc64le powerpc64le-linux-gnu-gcc-12 gcc-12-powerpc64le-linux-gnu
ARCH_s390x   := s390x       s390x-linux-gnu-gcc-12       gcc-12-s390x-linux-gnu
ARCH_riscv64 := riscv64     riscv64-linux-gnu-gcc-12     gcc-12-riscv64-linux-gnu
ARCH_CFLAGS_x86_64  := -m64 -mcmodel=kernel -mno-red-zone
ARCH_CFLAGS_i386    := -m32 -march=i686 -mregparm=3
ARCH_CFLAGS_arm64   := -mgeneral-regs-only
ARCH_CFLAGS_armhf   := -marm -march=armv7-a -msoft-float
ARCH_CFLAGS_ppc64el := -mcmodel=medium -msoft-float
ARCH_CFLAGS_s390x   := -m64 -msoft-float
ARCH_CFLAGS_riscv64 := -march=rv64imac -mabi=lp64 -mcmodel=medany
# MODULE_ARCH_VERMAGIC of that configuration (arch/<arch>/include/asm/vermagic.h, 6.1.192)
ARCH_MAGIC_x86_64  :=
ARCH_MAGIC_i386    := 686$(space)
ARCH_MAGIC_arm64   := aarch64
ARCH_MAGIC_armhf   := ARMv7 p2v8$(space)
ARCH_MAGIC_ppc64el := mprofile-kernel relocatable$(space)
ARCH_MAGIC_s390x   :=
ARCH_MAGIC_riscv64 := riscv

ARCH_BASE_CFLAGS := -O2 -ffreestanding -fno-pic -fno-common -fno-asynchronous-unwind-tables -fno-stack-protector

arch_cc_ok = $(if $(filter i386,$(1)),$(M32_OK),$(call have,$(word 2,$(ARCH_$(1)))))

#   $(call arch_one,ARCH,FLAVOUR,COMPILER,PACKAGE)
define arch_one
ARCH_RELEASE_$(1) := 6.1.0-99-$(2)
ARCH_VERMAGIC_$(1) := 6.1.0-99-$(2) SMP mod_unload $(ARCH_MAGIC_$(1))
ARCH_NOUNLOAD_$(1) := 6.1.0-99-$(2) SMP $(ARCH_MAGIC_$(1))

$(addprefix $(ARCH_OUT)/kernels/$(1)/,.config include/config/auto.conf include/config/kernel.release \
		include/generated/utsrelease.h Module.symvers) &: $(ARCH_DEP)
	$$(call msg,KCONFIG)
	$(Q)$(KB) arch-kconfig $(1) 6.1.0-99-$(2) $(ARCH_OUT)/kernels/$(1)
arch: $(ARCH_OUT)/kernels/$(1)/.config

ifeq ($(call arch_cc_ok,$(1)),yes)
$(ARCH_OUT)/modules/$(1)/hello.ko: $(ARCHSRC)/hello.c $(ARCH_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)$(3) $(ARCH_BASE_CFLAGS) $(ARCH_CFLAGS_$(1)) -DVERMAGIC='"$$(ARCH_VERMAGIC_$(1))"' -c -o $$@ $$< $$(DEPFLAGS)
$(ARCH_OUT)/modules/$(1)/hello-nounload.ko: $(ARCHSRC)/hello.c $(ARCH_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)$(3) $(ARCH_BASE_CFLAGS) $(ARCH_CFLAGS_$(1)) -DVERMAGIC='"$$(ARCH_NOUNLOAD_$(1))"' -c -o $$@ $$< $$(DEPFLAGS)
$(ARCH_OUT)/modules/$(1)/vermagic: $(ARCH_DEP)
	$$(call msg,GEN)
	@mkdir -p $$(@D)
	$(Q)printf '%s\n' '$$(ARCH_VERMAGIC_$(1))' >$$@
arch: $(addprefix $(ARCH_OUT)/modules/$(1)/,hello.ko hello-nounload.ko vermagic)
UNSKIP += $(ARCH_OUT)/modules/$(1).SKIPPED
else
arch: $(ARCH_OUT)/modules/$(1).SKIPPED
$(ARCH_OUT)/modules/$(1).SKIPPED: REASON := $(3) unavailable ($(4) could not be installed)
endif
endef

$(foreach a,$(ARCHES),$(eval $(call arch_one,$(a),$(word 1,$(ARCH_$(a))),$(word 2,$(ARCH_$(a))),$(word 3,$(ARCH_$(a))))))

# modpost's input with the save/restore helpers gcc -Os calls (the final .ko link adds crtsavres.o)
ifeq ($(call arch_cc_ok,ppc64el),yes)
$(ARCH_OUT)/modules/ppc64el/helpers.o: $(ARCHSRC)/hello.c $(ARCH_DEP) | $(DEPDIR)
	$(call msg,CC)
	@mkdir -p $(@D)
	$(Q)$(word 2,$(ARCH_ppc64el)) $(ARCH_BASE_CFLAGS) $(ARCH_CFLAGS_ppc64el) -DSAVE_RESTORE_HELPERS \
		-DVERMAGIC='"$(ARCH_VERMAGIC_ppc64el)"' -c -o $@ $< $(DEPFLAGS)
arch: $(ARCH_OUT)/modules/ppc64el/helpers.o
endif
