/*
 * marker-lib.c - an unrelated preloaded library, built at run time by
 * env-children.sh with `cc -shared -fPIC`: the tests look for it in the
 * children's /proc/self/maps, to see that libunion keeps the other
 * libraries a user preloaded when it puts itself back into LD_PRELOAD.
 */
int un_marker_lib_present(void);

int un_marker_lib_present(void)
{
	return 1;
}
