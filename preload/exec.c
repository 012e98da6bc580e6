/*
 * exec.c - running programs from a union, and keeping children in it.
 *
 * The kernel finds the program, its #! interpreter and its ELF
 * interpreter without libc, so a program named by a merged path is
 * resolved here: the real file of the topmost layer is executed.  A
 * script in a union is started the way the kernel would start it
 * (interpreter, optional argument, the script's path as given), but with
 * the interpreter itself looked up through the union; the interpreter
 * then reads the script through the union too, so $0 stays merged.
 *
 * glibc's PATH searches (execvp, execlp, posix_spawnp) and its system and
 * popen never reach the exported execve, so they are redone here over
 * the union.
 *
 * Every child gets LD_PRELOAD (with libunion first, unless already
 * there), UNION_LAYERS and, when the cwd is merged, UNION_CWD, even when
 * the caller passed an environment without them (env -i, clearenv).
 * environ itself is never modified: a vfork child shares it.
 */
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pthread.h>

#include "newsys.h"
#include "wrap.h"

extern char **environ;

/* ---- the child's environment ---- */

/* Does the LD_PRELOAD value (a list split by ':' or ' ') list
   libunion already?  (By hand: see the head of unwrapped.c.) */
UN_EXEC_TEXT static bool preload_has_self(const char *value)
{
	const char *self = un_self_path;

	if (!self)
		return false;
	for (const char *s = value; *s;) {
		const char *a = self, *b = s;

		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (!*a && (!*b || *b == ':' || *b == ' '))
			return true;
		while (*s && *s != ':' && *s != ' ')
			s++;
		while (*s == ':' || *s == ' ')
			s++;
	}
	return false;
}

/* Copy the LD_PRELOAD list value to buf, less the entries that name
   the library by the relative name it was started with (un_self_given):
   the whole path goes before them, and from another cwd the loader
   would print "cannot be preloaded" for the relative one (the others
   then joined by ':').  Returns the end (buf itself when nothing is
   left). */
UN_EXEC_TEXT static char *preload_copy(char *buf, const char *value)
{
	const char *given = un_self_given;
	size_t glen = given ? ex_strlen(given) : 0;
	char *start = buf;

	/* (Nothing to drop: the list as it was, its separators too.) */
	if (!given)
		return ex_stpcpy(buf, value);
	for (const char *s = value; *s;) {
		const char *e = s;

		while (*e && *e != ':' && *e != ' ')
			e++;
		if (e > s && !((size_t)(e - s) == glen && !ex_memcmp(s, given, glen))) {
			if (buf > start)
				*buf++ = ':';
			ex_memcpy(buf, s, (size_t)(e - s));
			buf += e - s;
		}
		s = e;
		while (*s == ':' || *s == ' ')
			s++;
	}
	*buf = '\0';
	return buf;
}

/* Room for "UNION_CWD=DEV:INO:-N:" (three 64-bit numbers at most). */
#define CWD_HEAD (sizeof("UNION_CWD=") + 3 * 20 + 4)

/* The decimal digits of v at p; returns the end. */
UN_EXEC_TEXT static char *put_u64(char *p, unsigned long long v)
{
	char digits[24];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = digits[--n];
	return p;
}

/*
 * The child's environment is built on the caller's stack: exec may run
 * in a vfork child, which shares the parent's memory, so nothing may be
 * allocated (it would leak in the parent) and the depth guard must be
 * lowered again before the real exec (the parent would inherit it).
 * It runs in every child a shell forks, where each page first written
 * costs a fault: no copy of the cwd, no stdio, and (exec_with_env) room
 * for the cwd as long as it is, not UN_VPATH_MAX: the frames below an
 * 8 KiB buffer, mostly untouched, lay two or three stack pages deeper,
 * each a fault in every child (bash running /bin/true 200 times from a
 * merged cwd: 4 faults an exec fewer).
 *
 * env_size: the entries and bytes env_build needs, with cwd_room bytes
 * for the merged cwd's path; *pre_union (when not NULL) whether an
 * entry of the LD_PRELOAD list lies in a union (for env_build, which
 * then need not scan the list again).
 */
UN_EXEC_TEXT static void env_size(char *const envp[], size_t *entries, size_t *bytes,
		     size_t cwd_room, bool *pre_union)
{
	size_t count = 0, layers = ex_strlen(un_layers_value ? un_layers_value
							   : ""),
	       preload = 0, ldpath = 0, pre_x = 0,
	       self = un_self_path ? ex_strlen(un_self_path) : 0;
	const char *ld = NULL, *pre = NULL;

	if (!envp)
		envp = environ;
	for (; envp && envp[count]; count++) {
		switch (un_env_var(envp[count])) {
		case UN_ENV_PRELOAD:
			preload = ex_strlen(envp[count]);
			pre = envp[count] + sizeof("LD_PRELOAD");
			break;
		case UN_ENV_LAYERS:
			if (ex_strlen(envp[count]) > layers)
				layers = ex_strlen(envp[count]);
			break;
		case UN_ENV_LDPATH:
			if (!ld)	/* (the first, as env_build) */
				ld = envp[count] + sizeof("LD_LIBRARY_PATH");
			break;
		default:
			break;
		}
	}
	/* (0 when it names no union.) */
	if (ld)
		ldpath = un_ldpath_build(ld, NULL, 0, NULL, NULL);
	if (un_preload_value && ex_strlen(un_preload_value) > preload)
		preload = ex_strlen(un_preload_value);
	/* LD_PRELOAD's merged files (env_build's value: the library, then
	   the list it is given or this process's own): the list's
	   expansion and saved entry, and the library's path twice.  (The
	   library's own path is the one the loader opened for this process:
	   not looked up, one scan a spawn less; where it lies in a union
	   and the list does not, the value goes as it is.) */
	if (!pre)
		pre = un_preload_value;
	if (pre)
		pre_x = un_ldpreload_build(pre, NULL, 0, NULL, NULL);
	if (pre_x)
		pre_x += 2 * (self + 1);
	if (pre_union)
		*pre_union = pre_x != 0;
	*entries = count + 7;
	*bytes = sizeof("UNION_OCI_LOWERS=1") +
		 sizeof("UNION_LAYERS=") + layers + sizeof("LD_PRELOAD=") +
		 self + 1 + preload + 1 + ldpath + pre_x + CWD_HEAD + cwd_room;
}

void un_exec_env_size(char *const envp[], size_t *entries, size_t *bytes)
{
	env_size(envp, entries, bytes, UN_VPATH_MAX, NULL);
}

/*
 * The real cwd's device and inode, for UNION_CWD: learnt in the parent
 * before a fork or a vfork (un_exec_fork, un_exec_vfork), or at a
 * posix_spawn's first, and kept with the cwd's change count, so that
 * each child a shell forks in a merged cwd, and each program make or
 * gcc's driver spawns, writes UNION_CWD without a stat(".") of its own
 * (one system call of every exec there).  Only in a process of one
 * thread (a shell), where no other thread can change the cwd between
 * the count's read and the stat; a signal handler's chdir moves the
 * count, and the pair is then not used.  The pair stays right while
 * the count does: the cwd's directory may be renamed or removed, but
 * "." is the same inode until the process itself changes its cwd
 * (chdir, fchdir: wrapped, they move the count).  Never kept by a vfork
 * child: its cwd is its own, its memory its parent's.
 */
static struct {
	bool known;
	unsigned long seq;
	dev_t dev;
	ino_t ino;
} cwd_id;

UN_EXEC_TEXT static bool cwd_id_may_keep(void)
{
	return __libc_single_threaded && !un_in_signal() && !un_vforked();
}

/* Keep the pair st gives at the count seq (in the order a handler's
   read in between takes for unknown). */
UN_EXEC_TEXT static void cwd_id_keep(const struct stat *st, unsigned long seq)
{
	cwd_id.known = false;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	cwd_id.dev = st->st_dev;
	cwd_id.ino = st->st_ino;
	cwd_id.seq = seq;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	cwd_id.known = true;
}

/* Learn the pair before the children come (not known already, and the
   cwd merged: else they write no UNION_CWD). */
static void cwd_id_learn(void)
{
	unsigned long seq;
	struct stat st;

	if (!__libc_single_threaded || un_in_signal())
		return;
	seq = un_cwd_seq();
	if ((cwd_id.known && cwd_id.seq == seq) || un_cwd_room() <= 1)
		return;
	if (real_stat(".", &st) != 0)
		return;
	cwd_id_keep(&st, seq);
}

/* (And the programs the children checked: unwrapped.c's memo.) */
void un_exec_fork(void)
{
	if (!__atomic_load_n(&un_active, __ATOMIC_ACQUIRE))
		return;
	un_exec_memo_fork();
	cwd_id_learn();
}

/* Before a vfork (wrap_vfork.c): the child shares this memory, so what
   it checks lands in the memo itself; only the cwd's pair is learnt. */
void un_exec_vfork(void)
{
	int saved = errno;

	if (__atomic_load_n(&un_active, __ATOMIC_ACQUIRE) && un_depth == 0)
		cwd_id_learn();
	errno = saved;
}

/* The real cwd's device and inode: the parent's where still good; kept
   for the next spawns when keep (a process the exec does not replace:
   one that does would write a page of its own for nothing). */
UN_EXEC_TEXT static int cwd_ident(dev_t *dev, ino_t *ino, bool keep)
{
	unsigned long seq = un_cwd_seq();
	struct stat st;

	if (cwd_id.known && __libc_single_threaded && cwd_id.seq == seq) {
		*dev = cwd_id.dev;
		*ino = cwd_id.ino;
		return 0;
	}
	if (real_stat(".", &st) != 0)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	if (keep && cwd_id_may_keep())
		cwd_id_keep(&st, seq);
	return 0;
}

/*
 * UNION_CWD=DEV:INO:PATH at buf when the cwd is merged (DEV:INO:-PATH
 * when it was removed, DEV:INO:-N:PATH when what was removed is its
 * first N bytes, an ancestor): the child finds nothing in a removed one
 * either, and its '..' leads where ours does.  The path is read into
 * its place at once (room bytes there), the head written before it
 * after.  1 when written, 0 when there is nothing to pass on, -1 when
 * the path has outgrown room (another thread's chdir since the room was
 * measured).
 */
UN_EXEC_TEXT static int cwd_var(char *buf, size_t room, bool keep)
{
	char *path = buf + CWD_HEAD, *p;
	size_t dead_at = 0, len;
	dev_t dev;
	ino_t ino;
	int rc;

	/* (A cwd deeper than PATH_MAX too: a child without it would take
	   its real cwd, a layer's directory, for one outside the union.) */
	rc = un_cwd_get_exec(path, room, &dead_at);
	if (rc == -ERANGE && room < UN_VPATH_MAX)
		return -1;
	if ((rc != 0 && rc != -ESTALE) || cwd_ident(&dev, &ino, keep) != 0)
		return 0;
	len = ex_strlen(path);
	p = stpcpy(buf, "UNION_CWD=");
	p = put_u64(p, (unsigned long long)dev);
	*p++ = ':';
	p = put_u64(p, (unsigned long long)ino);
	*p++ = ':';
	if (rc == -ESTALE) {
		*p++ = '-';
		if (dead_at != len) {
			p = put_u64(p, dead_at);
			*p++ = ':';
		}
	}
	ex_memcpy(p, path, len + 1);
	return 1;
}

/* env_build's entry at of env, "NAME=VALUE" (head: NAME's size with
   its '='), as build (un_ldpath_build, un_ldpreload_build) gives it to
   the loader, and its saved entry added (*n): in the room env_size
   measured, written from buf up to limit (where the cwd's room begins);
   left as it was when they no longer fit (another thread's change of
   the union since).  Returns where the next entry goes. */
UN_EXEC_TEXT static char *env_ld(char **env, size_t *n, size_t at,
				 size_t head,
				 size_t (*build)(const char *, char *, size_t,
						 char **, char **),
				 char *buf, const char *limit)
{
	size_t room = (size_t)(limit - buf);
	char *ld, *saved;
	size_t used = build(env[at] + head, buf, room, &ld, &saved);

	if (!used || used > room)
		return buf;
	env[at] = ld;
	env[(*n)++] = saved;
	return buf + used;
}

/* un_exec_env with cwd_room bytes for the cwd's path (env_size's): false
   when the cwd outgrew them (then size and build again with more).
   pre_union: env_size's answer (LD_PRELOAD's list is looked at only
   then). */
UN_EXEC_TEXT static bool env_build(char *const envp[], char **env, char *buf,
		      size_t bytes, size_t cwd_room, bool keep,
		      bool pre_union)
{
	const char *preload = NULL, *layers = NULL;
	char *const end = buf + bytes;
	/* (The LD_* entries' end: the cwd's room follows.) */
	const char *const ld_end = end - CWD_HEAD - cwd_room;
	bool oci_set = false;
	size_t n = 0, ldpath = SIZE_MAX, pre_at = SIZE_MAX;
	int cwd;

	if (!envp)
		envp = environ;
	/* An environment without LD_PRELOAD (env -i, clearenv, unsetenv)
	   gets this process's own, which keeps the user's other preloaded
	   libraries (fakeroot, a sanitizer runtime) in their order. */
	if (un_preload_value && preload_has_self(un_preload_value))
		preload = un_preload_value;
	for (size_t i = 0; envp && envp[i]; i++) {
		switch (un_env_var(envp[i])) {
		case UN_ENV_PRELOAD:
			preload = envp[i] + sizeof("LD_PRELOAD");
			break;
		case UN_ENV_LAYERS:
			layers = envp[i] + sizeof("UNION_LAYERS");
			break;
		case UN_ENV_CWD:
		case UN_ENV_LDPATH_SAVED:	/* (a stale one: made again) */
		case UN_ENV_PRELOAD_SAVED:
			break;
		case UN_ENV_LDPATH:
			/* (Its place kept: the expansion, if any, goes in
			   it below.) */
			if (ldpath == SIZE_MAX)
				ldpath = n;
			env[n++] = envp[i];
			break;
		case UN_ENV_OCI:
			oci_set = true;
			env[n++] = envp[i];
			break;
		case UN_ENV_OTHER:
			env[n++] = envp[i];
			break;
		}
	}
	/* A caller's own UNION_LAYERS (a nested union run) is respected. */
	env[n++] = buf;
	buf = ex_stpcpy(stpcpy(buf, "UNION_LAYERS="),
		     layers && *layers ? layers :
		     un_layers_value ? un_layers_value : "") + 1;
	if (!un_self_path || (preload && preload_has_self(preload))) {
		if (preload) {
			pre_at = n;
			env[n++] = buf;
			buf = ex_stpcpy(stpcpy(buf, "LD_PRELOAD="), preload) + 1;
		}
	} else {
		pre_at = n;
		env[n++] = buf;
		buf = ex_stpcpy(stpcpy(buf, "LD_PRELOAD="), un_self_path);
		if (preload && *preload) {
			char *list = buf + 1;
			char *end = preload_copy(list, preload);

			if (end > list) {
				*buf = ':';
				buf = end;
			}
		}
		buf++;
	}
	if (un_config.oci_lowers && !oci_set) {
		env[n++] = buf;
		buf = stpcpy(buf, "UNION_OCI_LOWERS=1") + 1;
	}
	/* LD_LIBRARY_PATH's merged directories for the loader, and
	   LD_PRELOAD's merged files (the loader opens them before
	   libunion is loaded too). */
	if (ldpath != SIZE_MAX)
		buf = env_ld(env, &n, ldpath, sizeof("LD_LIBRARY_PATH"),
			     un_ldpath_build, buf, ld_end);
	if (pre_union && pre_at != SIZE_MAX)
		buf = env_ld(env, &n, pre_at, sizeof("LD_PRELOAD"),
			     un_ldpreload_build, buf, ld_end);
	cwd = cwd_var(buf, cwd_room, keep);
	if (cwd < 0)
		return false;
	if (cwd > 0)
		env[n++] = buf;
	env[n] = NULL;
	return true;
}

void un_exec_env(char *const envp[], char **env, char *buf, size_t bytes)
{
	env_build(envp, env, buf, bytes, UN_VPATH_MAX, true, true);
}


/* ---- finding the program ---- */

/*
 * What prog_resolve finds, on the frame of the exec's caller.  In a
 * shell's child every stack page first written is a page fault, and the
 * paths fill a few dozen of their bytes: so the small fields come first,
 * then the node (its fields, then vpath's head: one page with these),
 * whose real the kernel is handed without a copy, and what only a miss
 * of the program memo or a script writes last (bench/README.md,
 * "Session 12 (exec)").
 */
struct prog {
	const char *real;	/* what to hand the kernel (in n, or the
				   caller's own path) */
	char **argv;		/* room for a rewritten argv (argc + 4) */
	/* (rewritten between the two the caller sets: side by side, gcc
	   merged their stores into a load of 0x0101 from .rodata, a page
	   fault of its own in a shell's child.) */
	bool replaced;		/* this process is the one the exec replaces */
	bool rewritten;		/* argv holds the #! form */
	bool gone_fails;	/* a program outside that is not there is
				   answered without the exec (no side
				   effect of it is lost) */
	struct un_node n;	/* the program, then a script's interpreter */
	struct un_exec_head head; /* the program's first bytes (unwrapped.c) */
	char interp[PATH_MAX];
	char arg[256];
};

/*
 * A lookup for the exec.  In the process the exec replaces (a shell's
 * child, mostly) no directory cache is made or filled: the exec throws
 * it away (dcache.c, un_dcache_quiet).  Only around the lookup: the
 * program's check may hand the process to the supervisor, which lives
 * on (unwrapped.c).
 */
UN_EXEC_TEXT static int prog_lookup(const struct prog *p, int dirfd, const char *path,
		       struct un_node *n)
{
	int rc;

	if (p->replaced)
		un_dcache_quiet(true);
	rc = un_lookup(dirfd, path, UN_LK_FOLLOW, n);
	if (p->replaced)
		un_dcache_quiet(false);
	return rc;
}

/*
 * The #! line among the file's first bytes (head, n of them; the
 * kernel reads 256, of which the line may take 255); fills interp and
 * arg (possibly "").  Returns 1 for a script, 0 otherwise.  The program
 * was opened and read once, for this and for un_exec_check_head.
 */
UN_EXEC_TEXT static int parse_shebang(const unsigned char *head, size_t n, char *interp,
			 size_t ilen, char *arg, size_t alen)
{
	char buf[256];
	char *s, *end;

	if (n < 3 || head[0] != '#' || head[1] != '!')
		return 0;
	if (n > sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	memcpy(buf, head, n);
	buf[n] = '\0';
	end = strchr(buf, '\n');
	if (!end)
		return 0;
	*end = '\0';
	for (s = buf + 2; *s == ' ' || *s == '\t'; s++)
		;
	size_t len = strcspn(s, " \t");

	if (!len || len >= ilen)
		return 0;
	memcpy(interp, s, len);
	interp[len] = '\0';
	s += len;
	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r'))
		*--end = '\0';
	if (strlen(s) >= alen)
		return 0;
	strcpy(arg, s);
	return 1;
}

/*
 * Resolve the program path (relative to dirfd) for exec.  Returns 0 and
 * fills p, or -errno.
 */
UN_EXEC_TEXT static int prog_resolve(int dirfd, const char *path, char *const argv[],
			char *const envp[], struct prog *p)
{
	struct un_node *n = &p->n;
	size_t argc = 0;
	int rc;

	p->rewritten = false;
	rc = prog_lookup(p, dirfd, path, n);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		if (strlen(n->kpath) >= PATH_MAX)
			return -ENAMETOOLONG;
		p->real = n->kpath;
		return p->gone_fails ?
			       un_exec_check_outside(p->real, path, argv,
						     envp) :
			       un_exec_check(p->real, path, false, argv, envp);
	}
	if (n->layer < 0)
		return -ENOENT;
	if (!S_ISREG(n->st.st_mode))
		return -EACCES;
	p->real = n->real;
	/* A dynamic program checked before (the memo, asked with the
	   lookup's own lstat of it: no stat more) needs no access(X_OK):
	   the kernel's exec asks the same permission and answers EACCES
	   itself.  Only a program read here must be one we may run (the
	   check would otherwise refuse, or run the #! line of, a file the
	   exec would not). */
	if (un_exec_known_st(&n->st))
		return 0;
	if (real_access(n->real, X_OK) < 0)
		return -errno;
	un_exec_head_read(n->real, &p->head);
	if (!parse_shebang(p->head.buf, p->head.n, p->interp,
			   sizeof(p->interp), p->arg, sizeof(p->arg)))
		return un_exec_check_head(&p->head, p->real, path, true, argv,
					  envp);
	if (p->head.fd >= 0)
		real_close(p->head.fd);

	/* A script: the interpreter through the union, $0 as given.  The
	   script's node is done with: the interpreter's takes its place. */
	rc = prog_lookup(p, AT_FDCWD, p->interp, n);
	if (rc < 0)
		return rc;
	if (rc == 0 && n->layer < 0)
		return -ENOENT;
	while (argv && argv[argc])
		argc++;
	size_t k = 0;

	p->rewritten = true;
	p->argv[k++] = p->interp;
	if (*p->arg)
		p->argv[k++] = p->arg;
	p->argv[k++] = (char *)path;
	for (size_t i = 1; i < argc; i++)
		p->argv[k++] = argv[i];
	p->argv[k] = NULL;
	p->real = rc > 0 ? n->kpath : n->real;
	return un_exec_check(p->real, p->interp, rc == 0, p->argv,
			     envp);
}

UN_EXEC_TEXT static size_t count_args(char *const argv[])
{
	size_t argc = 0;

	while (argv && argv[argc])
		argc++;
	return argc;
}

/* How exec_with_env hands the program to the kernel. */
enum exec_how { EXEC_PATH, EXEC_AT, EXEC_FD };

/*
 * The one place a child's environment is built before an exec: on this
 * frame (see un_exec_env_size), the depth guard lowered, then the real
 * execve (path), execveat (dirfd, path, flags) or fexecve (dirfd).
 */
UN_EXEC_TEXT static int exec_with_env(enum exec_how how, int dirfd, const char *path,
			 char *const argv[], char *const envp[], int flags)
{
	size_t entries, bytes, room = un_cwd_room();
	bool pre_union;

	for (;; room = UN_VPATH_MAX) {
		env_size(envp, &entries, &bytes, room, &pre_union);
		char *env[entries];
		char buf[bytes];

		if (!env_build(envp, env, buf, bytes, room, false, pre_union))
			continue;	/* the cwd grew meanwhile */
		un_leave();
		un_exec_no_return();
		switch (how) {
		case EXEC_AT:
			return real_execveat(dirfd, path, argv, env, flags);
		case EXEC_FD:
			return real_fexecve(dirfd, argv, env);
		case EXEC_PATH:
			break;
		}
		return real_execve(path, argv, env);
	}
}

/* A program looked up through the union (or a script, or a path that
   may lead into one). */
UN_EXEC_TEXT static __attribute__((noinline)) int exec_lookup(int dirfd, const char *path,
						 char *const argv[],
						 char *const envp[])
{
	char *nargv[count_args(argv) + 4];
	struct prog p;
	int rc;

	p.argv = nargv;
	p.replaced = true;
	p.gone_fails = true;
	rc = prog_resolve(dirfd, path, argv, envp, &p);
	if (rc < 0) {
		un_leave();
		return un_fail(rc);
	}
	return exec_with_env(EXEC_PATH, AT_FDCWD, p.real,
			     p.rewritten ? nargv : argv, envp, 0);
}

UN_EXEC_TEXT static int exec_at(int dirfd, const char *path, char *const argv[],
		   char *const envp[])
{
	int rc;

	if (!un_enter())
		return real_execve(path, argv, envp);
	rc = dirfd == AT_FDCWD ? un_path_outside_exec(path) : 0;
	if (rc == 0)
		return exec_lookup(dirfd, path, argv, envp);
	if (rc > 0)
		rc = un_exec_check_outside(path, path, argv, envp);
	if (rc < 0) {
		un_leave();
		return un_fail(rc);
	}
	return exec_with_env(EXEC_PATH, AT_FDCWD, path, argv, envp, 0);
}

UN_EXEC_TEXT UN_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_at(AT_FDCWD, path, argv, envp);
}

UN_EXEC_TEXT UN_EXPORT int execv(const char *path, char *const argv[])
{
	return exec_at(AT_FDCWD, path, argv, environ);
}

/*
 * The program behind a descriptor (fexecve, execveat with AT_EMPTY_PATH)
 * is checked as a named one is: through /proc/self/fd, shown by its
 * merged path where it has one.
 */
static int exec_check_fd(int fd, char *const argv[], char *const envp[])
{
	char proc[64], shown[PATH_MAX];
	bool in_union = un_fd_get(fd, shown, sizeof(shown), NULL) == 0;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return un_exec_check(proc, in_union ? shown : proc, in_union, argv,
			     envp);
}

UN_EXPORT int execveat(int dirfd, const char *path, char *const argv[],
		       char *const envp[], int flags)
{
	int rc;

	if (!un_path_empty(path) || !(flags & AT_EMPTY_PATH))
		return exec_at(dirfd, path, argv, envp);
	if (!un_enter())
		return real_execveat(dirfd, path, argv, envp, flags);
	rc = exec_check_fd(dirfd, argv, envp);
	if (rc < 0) {
		un_leave();
		return un_fail(rc);
	}
	return exec_with_env(EXEC_AT, dirfd, path, argv, envp, flags);
}

UN_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int rc;

	if (!un_enter())
		return real_fexecve(fd, argv, envp);
	rc = exec_check_fd(fd, argv, envp);
	if (rc < 0) {
		un_leave();
		return un_fail(rc);
	}
	return exec_with_env(EXEC_FD, fd, NULL, argv, envp, 0);
}

/*
 * glibc's PATH search, over our execve: each directory of PATH in turn;
 * EACCES remembered, ENOENT-like errors skipped, ENOEXEC run by /bin/sh.
 */
static int exec_search(const char *file, char *const argv[],
		       char *const envp[])
{
	const char *path = getenv("PATH");
	bool eacces = false;
	char cand[PATH_MAX];

	if (file && un_user_str(file) < 0) {
		errno = EFAULT;
		return -1;
	}
	if (!file || !*file) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/'))
		return exec_at(AT_FDCWD, file, argv, envp);
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *s = path;; s++) {
		size_t len = strcspn(s, ":");

		if (len + 1 + strlen(file) < sizeof(cand)) {
			if (len)
				memcpy(cand, s, len);
			else
				cand[len++] = '.';
			cand[len] = '/';
			strcpy(cand + len + 1, file);
			if (!len)
				len = 1;
			exec_at(AT_FDCWD, cand, argv, envp);
			if (errno == ENOEXEC) {
				size_t argc = 0;

				while (argv[argc])
					argc++;
				char *sh_argv[argc + 2];

				sh_argv[0] = (char *)"/bin/sh";
				sh_argv[1] = cand;
				for (size_t i = 1; i <= argc; i++)
					sh_argv[i + 1] = argv[i];
				exec_at(AT_FDCWD, "/bin/sh", sh_argv, envp);
				return -1;
			}
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR &&
				 errno != ESTALE && errno != ENODEV &&
				 errno != ETIMEDOUT)
				return -1;
		}
		s += strcspn(s, ":");
		if (!*s)
			break;
	}
	errno = eacces ? EACCES : ENOENT;
	return -1;
}

UN_EXPORT int execvp(const char *file, char *const argv[])
{
	return exec_search(file, argv, environ);
}

UN_EXPORT int execvpe(const char *file, char *const argv[],
		      char *const envp[])
{
	return exec_search(file, argv, envp);
}

/*
 * execl and friends: their arguments, up to the NULL, gathered into an
 * array on the caller's stack (as glibc does; no allocation in a vfork
 * child).  count_args_v counts them after arg; fill_args_v stores them.
 */
static size_t count_args_v(va_list ap)
{
	va_list cp;
	size_t argc = 1;

	va_copy(cp, ap);
	while (va_arg(cp, char *))
		argc++;
	va_end(cp);
	return argc;
}

static void fill_args_v(char **argv, size_t argc, const char *arg, va_list ap)
{
	argv[0] = (char *)arg;
	for (size_t i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);	/* the last is the NULL */
}

UN_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	size_t argc = count_args_v(ap);
	char *argv[argc + 1];

	fill_args_v(argv, argc, arg, ap);
	va_end(ap);
	return exec_at(AT_FDCWD, path, argv, environ);
}

UN_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	size_t argc = count_args_v(ap);
	char *argv[argc + 1];

	fill_args_v(argv, argc, arg, ap);
	va_end(ap);
	return exec_search(file, argv, environ);
}

UN_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	size_t argc = count_args_v(ap);
	char *argv[argc + 1];

	fill_args_v(argv, argc, arg, ap);
	char *const *envp = va_arg(ap, char *const *);

	va_end(ap);
	return exec_at(AT_FDCWD, path, argv, envp);
}

/* ---- posix_spawn ---- */

UN_EXPORT int posix_spawn(pid_t *pid, const char *path,
			  const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[],
			  char *const envp[])
{
	size_t entries, bytes;
	bool pre_union;
	struct prog p;
	int rc;

	if (!un_launder(path) || un_user_str(path) < 0 || !un_enter())
		return real_posix_spawn(pid, path, fa, attr, argv, envp);
	char *nargv[count_args(argv) + 4];

	p.argv = nargv;
	p.replaced = false;
	/* (The child runs the file actions before its exec fails: only
	   without any is a missing program answered here.) */
	p.gone_fails = !fa || fa->__used == 0;
	rc = prog_resolve(AT_FDCWD, path, argv, envp, &p);
	if (rc < 0) {
		un_leave();
		return -rc;
	}
	env_size(envp, &entries, &bytes, UN_VPATH_MAX, &pre_union);
	char *env[entries];
	char buf[bytes];

	env_build(envp, env, buf, bytes, UN_VPATH_MAX, true, pre_union);
	rc = real_posix_spawn(pid, p.real, fa, attr,
			      p.rewritten ? nargv : argv, env);
	un_leave();
	return rc;
}

UN_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];
	int rc = ENOENT;

	/* What cannot be read, glibc answers (its child reports or dies). */
	if (!un_launder(file) || un_user_str(file) < 0)
		return real_posix_spawnp(pid, file, fa, attr, argv, envp);
	if (!*file)
		return ENOENT;
	if (strchr(file, '/'))
		return posix_spawn(pid, file, fa, attr, argv, envp);
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *s = path;; s++) {
		size_t len = strcspn(s, ":");

		if (len + 2 + strlen(file) < sizeof(cand)) {
			if (len)
				memcpy(cand, s, len);
			else
				cand[len++] = '.';
			cand[len] = '/';
			strcpy(cand + len + 1, file);
			rc = posix_spawn(pid, cand, fa, attr, argv, envp);
			if (rc != ENOENT && rc != ENOTDIR && rc != EACCES)
				return rc;
		}
		s += strcspn(s, ":");
		if (!*s)
			break;
	}
	return rc;
}

/* ---- system and popen: the shell, started through the union ---- */

UN_EXPORT int system(const char *command)
{
	struct sigaction ign, old_int, old_quit;
	sigset_t chld, old_mask;
	posix_spawnattr_t attr;
	pid_t pid;
	int status = -1, rc;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };

	if (un_depth > 0 || (un_init(), !un_active))
		return real_system(command);
	if (!command)
		return 1;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old_mask);

	posix_spawnattr_init(&attr);
	{
		sigset_t def;

		sigemptyset(&def);
		if (old_int.sa_handler != SIG_IGN)
			sigaddset(&def, SIGINT);
		if (old_quit.sa_handler != SIG_IGN)
			sigaddset(&def, SIGQUIT);
		posix_spawnattr_setsigdefault(&attr, &def);
	}
	posix_spawnattr_setsigmask(&attr, &old_mask);
	posix_spawnattr_setflags(&attr,
				 POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&pid, "/bin/sh", NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (rc == 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
	} else {
		status = 127 << 8;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return status;
}

/* The children of our popen, for pclose. */
struct popen_child {
	struct popen_child *next;
	FILE *f;
	pid_t pid;
};

static struct popen_child *popen_children;
static pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;

/* A child forked while another thread is in popen must not inherit the
   lock held (init.c's fork handlers call this when a lock may be).  The
   list itself stays walkable in such a child: every change to it is one
   pointer store of a node already filled (a fork copies the parent's
   memory as one thread's stores left it, in their order). */
void un_fork_popen_child(void)
{
	pthread_mutex_init(&popen_lock, NULL);
}

UN_EXPORT FILE *popen(const char *command, const char *type)
{
	posix_spawn_file_actions_t fa;
	struct popen_child *c, *o;
	bool reading, cloexec;
	int fds[2], child_end, parent_end, rc;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	FILE *f;
	pid_t pid;

	if (un_depth > 0 || (un_init(), !un_active))
		return real_popen(command, type);
	if (!type || (type[0] != 'r' && type[0] != 'w') ||
	    (type[1] && type[1] != 'e')) {
		errno = EINVAL;
		return NULL;
	}
	reading = type[0] == 'r';
	cloexec = type[1] == 'e';
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	if (un_pipe2(fds, O_CLOEXEC) < 0) {
		free(c);
		return NULL;
	}
	child_end = reading ? fds[1] : fds[0];
	parent_end = reading ? fds[0] : fds[1];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, child_end, reading ? 1 : 0);
	pthread_mutex_lock(&popen_lock);
	for (o = popen_children; o; o = o->next)
		posix_spawn_file_actions_addclose(&fa, fileno(o->f));
	rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	real_close(child_end);
	if (rc != 0) {
		pthread_mutex_unlock(&popen_lock);
		real_close(parent_end);
		free(c);
		errno = rc;
		return NULL;
	}
	if (!cloexec)
		real_fcntl(parent_end, F_SETFD, 0);
	f = fdopen(parent_end, reading ? "r" : "w");
	if (!f) {
		pthread_mutex_unlock(&popen_lock);
		real_close(parent_end);
		waitpid(pid, NULL, 0);
		free(c);
		return NULL;
	}
	c->f = f;
	c->pid = pid;
	c->next = popen_children;
	/* Published only once whole: a child forked meanwhile sees the
	   list as it stood at some instant, and without the release order
	   the compiler stored the head before the node's fields (the child
	   of such a fork walked an unfilled node and died of SIGSEGV). */
	__atomic_store_n(&popen_children, c, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&popen_lock);
	return f;
}

UN_EXPORT int pclose(FILE *stream)
{
	struct popen_child **pp, *c = NULL;
	int status;
	pid_t r;

	pthread_mutex_lock(&popen_lock);
	for (pp = &popen_children; *pp; pp = &(*pp)->next) {
		if ((*pp)->f == stream) {
			c = *pp;
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&popen_lock);
	if (!c)
		return real_pclose(stream);
	real_fclose(stream);
	do {
		r = waitpid(c->pid, &status, 0);
	} while (r < 0 && errno == EINTR);
	free(c);
	return r < 0 ? -1 : status;
}

/* ---- dlopen of a library named by a merged path ---- */

UN_EXPORT void *dlopen(const char *file, int mode)
{
	struct un_node n;
	void *h;
	int rc;

	if (!file || !strchr(file, '/') || !un_enter())
		return real_dlopen(file, mode);
	rc = un_lookup(AT_FDCWD, file, UN_LK_FOLLOW, &n);
	h = real_dlopen(rc == 0 && n.layer >= 0 ? n.real :
			rc > 0 ? n.kpath : file, mode);
	un_leave();
	return h;
}
