# elf/: ELF reader fixtures (samples/README.md section 2): x86_64 and i386 ET_REL / ET_EXEC / ET_DYN,
# big-endian s390x / s390 (assembly, cross binutils), and an object with > 65280 sections.

ELFSRC  := $(S)/elf
ELF_OUT := $(OUT)/elf
ELF_DEP := $(S)/mk/elf.mk $(COMMON)

# ---------------------------------------------------------------------------------------------------
# Native fixtures: ET_REL (non-PIC, as kernel code), ET_EXEC (static, no libc), ET_DYN (shared
# object), and copies of the seed's libafs.o / libafs.ko.
#   $(call elf_native,ARCH,-m64|-m32,SEED_OPENAFS_DIR)
# ---------------------------------------------------------------------------------------------------
define elf_native
ELF_CFLAGS_$(1) := $(2) -O2 -ffreestanding -nostdinc -fcommon -fno-stack-protector -fcf-protection=none \
	-DCONFIG_MODULES -DCONFIG_MODVERSIONS -I$(KSRC)

$(ELF_OUT)/$(1)/fixture.o $(ELF_OUT)/$(1)/stub.o: $(ELF_OUT)/$(1)/%.o: $(ELFSRC)/%.c $(ELF_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)gcc $$(ELF_CFLAGS_$(1)) -fno-pic -fno-pie -c -o $$@ $$< $$(DEPFLAGS)

$(ELF_OUT)/$(1)/fixture: $(ELF_OUT)/$(1)/fixture.o $(ELF_OUT)/$(1)/stub.o $(ELF_DEP)
	$$(call msg,LD)
	$(Q)gcc $(2) -nostdlib -static -no-pie -Wl,--build-id -Wl,-e,_start -o $$@ $(ELF_OUT)/$(1)/fixture.o $(ELF_OUT)/$(1)/stub.o

# (no CONFIG_MODVERSIONS here: a ".long __crc_<sym>" cannot go into a shared object)
$(ELF_OUT)/$(1)/fixture.pic.o: $(ELFSRC)/fixture.c $(ELF_DEP) | $(DEPDIR)
	$$(call msg,CC)
	@mkdir -p $$(@D)
	$(Q)gcc $$(ELF_CFLAGS_$(1)) -UCONFIG_MODVERSIONS -fPIC -c -o $$@ $$< $$(DEPFLAGS)

$(ELF_OUT)/$(1)/fixture.so: $(ELF_OUT)/$(1)/fixture.pic.o $(ELF_DEP)
	$$(call msg,LD)
	$(Q)gcc $(2) -nostdlib -shared -Wl,--build-id -Wl,-soname,libfixture.so.1 -o $$@ $$<

$(ELF_OUT)/$(1)/libafs.o $(ELF_OUT)/$(1)/libafs.ko: $(ELF_OUT)/$(1)/%: $(SEED_OUT)/$(3)/% $(ELF_DEP)
	$$(call msg,CP)
	@mkdir -p $$(@D)
	$(Q)cp $$< $$@

elf: $(addprefix $(ELF_OUT)/$(1)/,fixture.o stub.o fixture fixture.pic.o fixture.so libafs.o libafs.ko)
endef

$(eval $(call elf_native,x86_64,-m64,openafs))
ifeq ($(M32_OK),yes)
$(eval $(call elf_native,i386,-m32,openafs-i386))
UNSKIP += $(ELF_OUT)/i386.SKIPPED
else
elf: $(ELF_OUT)/i386.SKIPPED
$(ELF_OUT)/i386.SKIPPED: REASON := gcc -m32 unavailable (gcc-multilib could not be installed)
endif

# ---------------------------------------------------------------------------------------------------
# An object with 70,000 .text.fN sections (the generator says why), assembled from a generated .s
# ---------------------------------------------------------------------------------------------------
$(ELF_OUT)/many-sections.o: $(ELF_DEP)
	$(call msg,AS)
	@mkdir -p $(@D)
	$(Q)$(KB) many-sections $(ELF_OUT)/many-sections.s
	$(Q)as --64 -o $@ $(ELF_OUT)/many-sections.s
	$(Q)rm -f $(ELF_OUT)/many-sections.s
elf: $(ELF_OUT)/many-sections.o

# ---------------------------------------------------------------------------------------------------
# Big-endian fixtures: s390x (64-bit) and s390 (31-bit), assembly only (cross binutils, no cross gcc).
# The __versions CRCs: the same table as the seed kernels (kbuild.sh be-defsyms).
# ---------------------------------------------------------------------------------------------------
BE_PKG := binutils-s390x-linux-gnu
BE_AS  := s390x-linux-gnu-as
BE_LD  := s390x-linux-gnu-ld
BE_ASFLAGS_s390x := -m64 --defsym BITS64=1
BE_ASFLAGS_s390  := -m31 -mzarch
BE_EMUL_s390x    := elf64_s390
BE_EMUL_s390     := elf_s390

define elf_be
$(ELF_OUT)/$(1)/be-module.o $(ELF_OUT)/$(1)/be-stub.o: $(ELF_OUT)/$(1)/%.o: $(ELFSRC)/be/%.s $(ELF_DEP)
	$$(call msg,AS)
	@mkdir -p $$(@D)
	$(Q)$(BE_AS) $(BE_ASFLAGS_$(1)) $$$$($(KB) be-defsyms) -o $$@ $$<

$(ELF_OUT)/$(1)/be-fixture: $(ELF_OUT)/$(1)/be-module.o $(ELF_OUT)/$(1)/be-stub.o $(ELF_DEP)
	$$(call msg,LD)
	$(Q)$(BE_LD) -m $(BE_EMUL_$(1)) --build-id -e _start -o $$@ $(ELF_OUT)/$(1)/be-module.o $(ELF_OUT)/$(1)/be-stub.o

elf: $(addprefix $(ELF_OUT)/$(1)/,be-module.o be-stub.o be-fixture)
endef

ifeq ($(call have,$(BE_AS))$(call have,$(BE_LD)),yesyes)
$(eval $(call elf_be,s390x))
$(eval $(call elf_be,s390))
UNSKIP += $(ELF_OUT)/big-endian.SKIPPED
else
elf: $(ELF_OUT)/big-endian.SKIPPED
$(ELF_OUT)/big-endian.SKIPPED: REASON := $(BE_PKG) ($(BE_AS)/$(BE_LD)) unavailable and apt-get install failed
endif
