/*
 * DWARF frames sample (not kernel code): calls to an external function through two levels of inline
 * helpers, a lexical block, and a cold path, compiled per architecture and DWARF version by
 * scripts/build-samples (x86_64, i386, arm64; -gdwarf-4 and -gdwarf-5) for the frames tests.
 */
extern int gpl_only_helper(int x);
extern int plain_helper(int x);
extern int counter;

static inline __attribute__((always_inline)) int inner_get(int x)
{
	if (x > 100)
		return gpl_only_helper(x) + 1;
	return plain_helper(x);
}

static inline __attribute__((always_inline)) int outer_get(int x)
{
	int r = inner_get(x * 3);
	counter += r;
	return r;
}

int module_user(int a)
{
	int s = 0;
	for (int i = 0; i < a; i++) {
		int t = outer_get(i);
		if (t < 0)
			return -1;
		s += t;
	}
	return s;
}

__attribute__((cold)) int module_error_path(int a)
{
	return outer_get(a) + gpl_only_helper(a);
}

int module_other(int a)
{
	return inner_get(a) + outer_get(a + 1);
}
