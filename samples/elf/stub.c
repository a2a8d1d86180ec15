/* Definitions that let fixture.o link into a static, libc-free executable. */
int ext_data = 5;

int ext_func(int x)
{
	return x + ext_data;
}

extern int global_func(int x);
extern int hidden_func(void);

void _start(void)
{
	volatile int r = global_func(1) + hidden_func();
	(void)r;
	for (;;)
		;
}
