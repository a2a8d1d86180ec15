# compressed/: the OpenAFS-like libafs.ko as depmod finds them in a distro tree: .ko.gz, .ko.zst, and
# .ko.xz with kbuild's CRC32 check, with xz's default CRC64 and with SHA-256 (which the kernel's own
# XZ decoder cannot take: rule xz-check), and a small module tree with one of each, plain too.

CMP_OUT := $(OUT)/compressed
CMP_DEP := $(S)/mk/compressed.mk $(COMMON)
CMP_TREE := $(CMP_OUT)/tree/kernel/fs

$(CMP_OUT)/gz/libafs.ko.gz: $(AFS_KO) $(CMP_DEP)
	$(call msg,GZIP)
	@mkdir -p $(@D)
	$(Q)gzip -n -9 -c $< >$@
$(CMP_OUT)/xz-crc32/libafs.ko.xz: $(AFS_KO) $(CMP_DEP)
	$(call msg,XZ)
	@mkdir -p $(@D)
	$(Q)xz --check=crc32 --lzma2=dict=1MiB -c $< >$@
$(CMP_OUT)/xz-crc64/libafs.ko.xz: $(AFS_KO) $(CMP_DEP)
	$(call msg,XZ)
	@mkdir -p $(@D)
	$(Q)xz -c $< >$@
$(CMP_OUT)/xz-sha256/libafs.ko.xz: $(AFS_KO) $(CMP_DEP)
	$(call msg,XZ)
	@mkdir -p $(@D)
	$(Q)xz --check=sha256 -c $< >$@
$(CMP_OUT)/zst/libafs.ko.zst: $(AFS_KO) $(CMP_DEP)
	$(call msg,ZSTD)
	@mkdir -p $(@D)
	$(Q)zstd -q -c $< >$@

# the module tree, as /lib/modules/<release>/kernel/... holds them
define cmp_tree
$(CMP_TREE)/$(1): $(2) $(CMP_DEP)
	$$(call msg,CP)
	@mkdir -p $$(@D)
	$(Q)cp $(2) $$@
endef
$(eval $(call cmp_tree,afs-gz/libafs.ko.gz,$(CMP_OUT)/gz/libafs.ko.gz))
$(eval $(call cmp_tree,afs-xz/libafs.ko.xz,$(CMP_OUT)/xz-crc32/libafs.ko.xz))
$(eval $(call cmp_tree,afs-zst/libafs.ko.zst,$(CMP_OUT)/zst/libafs.ko.zst))
$(eval $(call cmp_tree,afs/libafs.ko,$(AFS_KO)))

CMP_TOOLS := gzip xz zstd
CMP_MISSING := $(strip $(foreach t,$(CMP_TOOLS),$(if $(call have,$(t)),,$(t))))
ifeq ($(CMP_MISSING),)
compressed: $(CMP_OUT)/gz/libafs.ko.gz $(CMP_OUT)/xz-crc32/libafs.ko.xz $(CMP_OUT)/xz-crc64/libafs.ko.xz \
	$(CMP_OUT)/xz-sha256/libafs.ko.xz $(CMP_OUT)/zst/libafs.ko.zst \
	$(CMP_TREE)/afs-gz/libafs.ko.gz $(CMP_TREE)/afs-xz/libafs.ko.xz $(CMP_TREE)/afs-zst/libafs.ko.zst $(CMP_TREE)/afs/libafs.ko
UNSKIP += $(OUT)/compressed.SKIPPED
else
compressed: $(OUT)/compressed.SKIPPED
$(OUT)/compressed.SKIPPED: REASON := $(CMP_MISSING) unavailable (apt-get install $(patsubst xz,xz-utils,$(CMP_MISSING)) failed)
endif
