# dwarf/: DWARF edge cases. A function 600 lexical blocks deep (generated), and samples/dwarf/inline.c
# per architecture and DWARF version (relocations of the debug sections: R_X86_64_*, R_386_* with
# implicit addends, R_AARCH64_*; .debug_ranges for 4, .debug_rnglists for 5). Compiled from $(ROOT)
# with -fdebug-prefix-map, as the seed's libafs.

DWARFSRC  := $(S)/dwarf
DWARF_OUT := $(OUT)/dwarf
DWARF_DEP := $(S)/mk/dwarf.mk $(COMMON)
DWARF_CFLAGS := -O2 -ffreestanding -fno-pic -fdebug-prefix-map=$(ROOT)=. -c

$(DWARF_OUT)/nested.c: $(DWARF_DEP)
	$(call msg,GEN)
	@mkdir -p $(@D)
	$(Q)$(KB) nested $@

$(DWARF_OUT)/nested.o: $(DWARF_OUT)/nested.c $(DWARF_DEP)
	$(call msg,CC)
	$(Q)cd $(ROOT) && gcc -O0 -g -fdebug-prefix-map=$(ROOT)=. -c -o $@ $<

$(DWARF_OUT)/inline-x86_64-v%.o: $(DWARFSRC)/inline.c $(DWARF_DEP) | $(DEPDIR)
	$(call msg,CC)
	@mkdir -p $(@D)
	$(Q)cd $(ROOT) && gcc $(DWARF_CFLAGS) -gdwarf-$* -o $@ $< $(DEPFLAGS)

$(DWARF_OUT)/inline-i386-v%.o: $(DWARFSRC)/inline.c $(DWARF_DEP) | $(DEPDIR)
	$(call msg,CC)
	@mkdir -p $(@D)
	$(Q)cd $(ROOT) && gcc -m32 $(DWARF_CFLAGS) -gdwarf-$* -o $@ $< $(DEPFLAGS)

$(DWARF_OUT)/inline-arm64-v%.o: $(DWARFSRC)/inline.c $(DWARF_DEP) | $(DEPDIR)
	$(call msg,CC)
	@mkdir -p $(@D)
	$(Q)cd $(ROOT) && aarch64-linux-gnu-gcc $(DWARF_CFLAGS) -gdwarf-$* -o $@ $< $(DEPFLAGS)

dwarf: $(DWARF_OUT)/nested.c $(DWARF_OUT)/nested.o $(DWARF_OUT)/inline-x86_64-v4.o $(DWARF_OUT)/inline-x86_64-v5.o

ifeq ($(M32_OK),yes)
dwarf: $(DWARF_OUT)/inline-i386-v4.o $(DWARF_OUT)/inline-i386-v5.o
UNSKIP += $(DWARF_OUT)/inline-i386.SKIPPED
else
dwarf: $(DWARF_OUT)/inline-i386.SKIPPED
$(DWARF_OUT)/inline-i386.SKIPPED: REASON := gcc -m32 unavailable
endif

ifeq ($(call have,aarch64-linux-gnu-gcc),yes)
dwarf: $(DWARF_OUT)/inline-arm64-v4.o $(DWARF_OUT)/inline-arm64-v5.o
UNSKIP += $(DWARF_OUT)/inline-arm64.SKIPPED
else
dwarf: $(DWARF_OUT)/inline-arm64.SKIPPED
$(DWARF_OUT)/inline-arm64.SKIPPED: REASON := aarch64-linux-gnu-gcc unavailable (gcc-aarch64-linux-gnu could not be installed)
endif
