# packages/: the 6.1 sample kernel as the three places RPM distributions keep a kernel's symbols, each
# built by the real rpmbuild (Debian's `rpm` package) with another payload compressor:
#   kernel-devel (usr/src/kernels/<release>/Module.symvers, .config) — xz,
#   kernel-core  (lib/modules/<release>/symvers.gz, config)          — zstd,
#   kernel       (boot/symvers-<release>.gz, boot/config-<release>)   — gzip.
# The .rpm files hold their build time: they differ from build to build.

PKGOUT  := $(OUT)/packages
PKG_DEP := $(S)/mk/packages.mk $(COMMON)

$(PKGOUT)/%-6.1.0-sample.x86_64.rpm: $(V6OUT)/kernels/6.1/Module.symvers $(V6OUT)/kernels/6.1/.config $(PKG_DEP)
	$(call msg,RPMBUILD)
	@mkdir -p $(@D)
	$(Q)$(KB) rpm $* $(PKGOUT) $(V6OUT)/kernels/6.1

packages: $(patsubst %,$(PKGOUT)/%-6.1.0-sample.x86_64.rpm,kernel-devel kernel-core kernel)
