/*
 * run.c - `union run`: a command in a union given by options.
 *
 *	union run [-l DIR]... [-u DIR] [-m PATH] [-k] [--] [CMD [ARG]...]
 *
 * Lowers are given top first.  Without --upper a fresh directory is made
 * with mkdtemp under $TMPDIR (or /tmp) and removed when the command ends,
 * unless --keep; without --merged the union sits in place over the first
 * lower.  Everything is checked before anything runs: every lower exists
 * and is a directory (`union: lower 'X' does not exist`, status 125),
 * the upper is a directory or can be made and overlaps neither MERGED
 * nor a lower, the library is found and loads (see library.c).  Then
 * UPPER/.union/layers is written (so that diff, export and commit need
 * only the upper), UNION_LAYERS is set to the new mount (followed by the
 * mounts of an enclosing union, except one at the same MERGED), the
 * library goes first in LD_PRELOAD (what was there stays, after it), and
 * CMD runs, or $SHELL, or /bin/sh, found and started through the union
 * (see exec_command).  UNION_SUPERVISOR names the supervisor, so that a
 * static or Go program, here or anywhere below, runs inside the union
 * under it (tools/supervise.c) instead of being refused.
 *
 * The exit status is the command's, 128+N when signal N killed it, 125
 * when `union` itself failed, 126 when CMD cannot be executed and 127
 * when it is not found (as env(1) and the shells say).  With an upper of
 * its own to remove, `union` waits for the command (ignoring SIGINT and
 * SIGQUIT meanwhile, as system(3) does, and passing SIGTERM and SIGHUP
 * on to it); otherwise it simply becomes the command.
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "union.h"

static const char run_usage[] =
	"usage: union run [-l|--lower DIR]... [-u|--upper DIR] "
	"[-m|--merged PATH]\n"
	"                 [-k|--keep] [--] [CMD [ARG]...]\n";

struct run_args {
	struct un_strv lowers;
	const char *upper;
	const char *merged;
	bool keep;
	char **cmd;		/* NULL: $SHELL */
};

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "upper", required_argument, NULL, 'u' },
		{ "merged", required_argument, NULL, 'm' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:l:u:m:kh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			un_strv_push(&a->lowers, optarg);
			break;
		case 'u':
			a->upper = optarg;
			break;
		case 'm':
			a->merged = optarg;
			break;
		case 'k':
			a->keep = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 1;
		case ':':
			un_err("run: option '%s' needs an argument",
			       argv[optind - 1]);
			return -EINVAL;
		default:
			un_err("run: unknown option '%s'", argv[optind - 1]);
			fputs(run_usage, stderr);
			return -EINVAL;
		}
	}
	if (!a->lowers.n) {
		un_err("run: at least one --lower DIR is needed");
		fputs(run_usage, stderr);
		return -EINVAL;
	}
	if (optind < argc)
		a->cmd = argv + optind;
	return 0;
}

/* A lower named on the command line: absolute, an existing directory. */
static int check_lower(const char *arg, char **out)
{
	struct stat st;
	int ret = un_abspath(arg, out);

	if (ret < 0)
		return un_fail(ret, "lower '%s'", arg);
	if (stat(*out, &st) < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			un_err("lower '%s' does not exist", arg);
		else
			un_fail(ret, "lower '%s'", arg);
	} else if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		un_err("lower '%s' is not a directory", arg);
	}
	if (ret < 0) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

/* Is path a or a path below it (both absolute and normalised)? */
static bool path_within(const char *path, const char *a)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return true;
	return !strncmp(path, a, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * Layers must not overlap (overlayfs refuses them too): the upper inside
 * a lower, a lower inside the upper, the upper inside MERGED would each
 * show a layer inside itself.
 */
static int check_overlap(const struct un_layers *ly)
{
	const char *why = NULL, *other = NULL;

	if (path_within(ly->upper, ly->merged)) {
		why = "lies in the merged path";
		other = ly->merged;
	}
	for (int i = 0; !why && i < ly->nlower; i++) {
		other = ly->lower[i];
		if (path_within(ly->upper, ly->lower[i]))
			why = "lies in the lower";
		else if (path_within(ly->lower[i], ly->upper))
			why = "holds the lower";
	}
	if (!why)
		return 0;
	un_err("run: the upper '%s' %s '%s'", ly->upper, why, other);
	return -EINVAL;
}

/*
 * A new upper's root is what the merged root shows (as in overlayfs):
 * give it the top lower's mode, owner (when we may) and times.  It stays
 * writable by its owner, who must be able to make UPPER/.union in it.
 */
static int dress_upper(const char *upper, const char *top)
{
	struct stat st;

	if (stat(top, &st) < 0)
		return un_fail(-errno, "lower '%s'", top);
	if (geteuid() != 0)
		st.st_mode |= S_IRWXU;
	return un_set_meta(upper, &st);
}

/*
 * The upper (ly->upper): the one named (made if missing, once it is
 * known not to overlap the other layers), or a fresh one.
 */
static int make_upper(const char *arg, struct un_layers *ly, bool *temporary,
		      bool *created)
{
	char **out = &ly->upper;
	const char *tmpdir = getenv("TMPDIR");
	struct stat st;
	int ret;

	*temporary = *created = false;
	if (!arg) {
		if (!tmpdir || !*tmpdir)
			tmpdir = "/tmp";
		*out = un_xasprintf("%s/union-upper.XXXXXX", tmpdir);
		if (!mkdtemp(*out)) {
			ret = un_fail(-errno, "cannot create a temporary upper "
					      "'%s'", *out);
			free(*out);
			*out = NULL;
			return ret;
		}
		*temporary = *created = true;
		return check_overlap(ly);
	}
	ret = un_abspath(arg, out);
	if (ret < 0)
		return un_fail(ret, "upper '%s'", arg);
	ret = check_overlap(ly);
	if (ret < 0)
		return ret;
	if (stat(*out, &st) < 0) {
		if (errno != ENOENT)
			return un_fail(-errno, "upper '%s'", arg);
		*created = true;
		return un_mkdir_p(*out, 0755);
	}
	if (!S_ISDIR(st.st_mode)) {
		un_err("upper '%s' is not a directory", arg);
		return -ENOTDIR;
	}
	return 0;
}

/* The MERGED path of a mount of UNION_LAYERS, unescaped. */
static char *mount_merged(const char *m, size_t len)
{
	char *out = un_xmalloc(len + 1), *p = out;

	for (size_t i = 0; i < len && m[i] != '='; i++) {
		if (m[i] == '\\' && i + 1 < len)
			i++;
		*p++ = m[i];
	}
	*p = '\0';
	return out;
}

/*
 * The new UNION_LAYERS: our mount, then those of an enclosing union
 * (old), except one at our MERGED.
 */
static char *layers_value(const char *spec, const char *merged,
			  const char *old)
{
	char *val = un_xstrdup(spec);

	while (old && *old) {
		size_t len = 0;
		char *m, *t;

		while (old[len] && old[len] != ';') {
			if (old[len] == '\\' && old[len + 1])
				len++;
			len++;
		}
		m = mount_merged(old, len);
		if (len && strcmp(m, merged)) {
			t = un_xasprintf("%s;%.*s", val, (int)len, old);
			free(val);
			val = t;
		}
		free(m);
		old += len;
		if (*old == ';')
			old++;
	}
	return val;
}

/* The new LD_PRELOAD: the library first, then the others of old. */
static char *preload_value(const char *lib, const char *old)
{
	char *val = un_xstrdup(lib);

	while (old && *old) {
		size_t len = strcspn(old, ": ");

		if (len && (len != strlen(lib) || strncmp(old, lib, len))) {
			char *t = un_xasprintf("%s:%.*s", val, (int)len, old);

			free(val);
			val = t;
		}
		old += len;
		if (*old)
			old++;
	}
	return val;
}

/*
 * Run the command (UNION_LAYERS and LD_PRELOAD already set).  The
 * program and the directories of $PATH may lie under MERGED, where only
 * the union shows what is there (a program that `make install` just put
 * into the upper, or one the upper changed): so the search and the exec
 * are the library's own execvp, which does them through the union.  The
 * library is loaded here only for that, locally (RTLD_LOCAL), so it
 * intercepts nothing of ours; exec replaces us anyway.
 */
static void exec_command(const char *lib, char **cmd)
{
	int (*union_execvp)(const char *, char *const[]) = NULL;
	char *shell_argv[2];
	void *handle;
	int err;

	if (!cmd) {
		const char *shell = getenv("SHELL");

		shell_argv[0] = (char *)(shell && *shell ? shell : "/bin/sh");
		shell_argv[1] = NULL;
		cmd = shell_argv;
	}
	handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (handle)
		union_execvp = (int (*)(const char *, char *const[]))
			dlsym(handle, "execvp");
	if (union_execvp)
		union_execvp(cmd[0], cmd);
	else
		execvp(cmd[0], cmd);
	err = errno;
	un_fail(-err, "%s", cmd[0]);
	_exit(err == ENOENT ? 127 : 126);
}

/*
 * The supervisor of static and Go programs (tools/supervise.c), for
 * $UNION_SUPERVISOR: the one named there already (none when it is set
 * but empty), else the one beside
 * this program (the build tree), else the installed one; NULL where
 * there is none (this build has none off x86_64): such programs are
 * then refused, as before.
 */
static char *supervisor_find(void)
{
	const char *env = getenv("UNION_SUPERVISOR");
	char exe[PATH_MAX], *slash, *cand;
	ssize_t n;

	if (env)	/* set empty: none, refuse such programs */
		return *env ? un_xstrdup(env) : NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			cand = un_xasprintf("%s/union-supervise", exe);
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
#ifdef UN_PKGLIBEXECDIR
	cand = un_xasprintf("%s/union-supervise", UN_PKGLIBEXECDIR);
	if (access(cand, X_OK) == 0)
		return cand;
	free(cand);
#endif
	return NULL;
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Run the command in a child and wait for it; its status, as a shell's. */
static int run_and_wait(const char *lib, char **cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction fwd = { .sa_handler = forward_signal };
	struct sigaction old_int, old_quit, old_term, old_hup;
	int status, ret;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return un_fail(-errno, "cannot fork"), UN_EXIT_RUN_FAIL;
	if (pid == 0)
		exec_command(lib, cmd);

	child_pid = pid;
	sigemptyset(&ign.sa_mask);
	sigemptyset(&fwd.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigaction(SIGTERM, &fwd, &old_term);
	sigaction(SIGHUP, &fwd, &old_hup);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			un_fail(-errno, "cannot wait for the command");
			status = UN_EXIT_RUN_FAIL << 8;
			break;
		}
	}
	child_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);

	if (WIFSIGNALED(status))
		ret = 128 + WTERMSIG(status);
	else
		ret = WEXITSTATUS(status);
	return ret;
}

int un_cmd_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	struct un_layers ly = { 0 };
	bool temporary = false, created = false;
	char *lib = NULL, *spec, *val;
	int ret, status = UN_EXIT_RUN_FAIL;

	ret = parse_args(argc, argv, &a);
	if (ret > 0) {
		status = 0;
		goto out_free;
	}
	if (ret < 0)
		goto out_free;

	ly.lower = un_xmalloc(a.lowers.n * sizeof(*ly.lower));
	for (size_t i = 0; i < a.lowers.n; i++) {
		if (check_lower(a.lowers.v[i], &ly.lower[i]) < 0)
			goto out_free;
		ly.nlower++;
	}
	if (ly.nlower > 62) {
		un_err("run: at most 62 lowers");
		goto out_free;
	}
	if (a.merged) {
		ret = un_abspath(a.merged, &ly.merged);
		if (ret < 0) {
			un_fail(ret, "merged '%s'", a.merged);
			goto out_free;
		}
	} else {
		ly.merged = un_xstrdup(ly.lower[0]);
	}
	ret = un_library_find(&lib);
	if (ret < 0)
		goto out_free;
	ret = un_library_check(lib);
	if (ret < 0)
		goto out_free;

	if (make_upper(a.upper, &ly, &temporary, &created) < 0)
		goto out_remove;
	if (un_layers_write(&ly) < 0)
		goto out_remove;
	if (created && dress_upper(ly.upper, ly.lower[0]) < 0)
		goto out_remove;

	spec = un_layers_spec(&ly);
	val = layers_value(spec, ly.merged, getenv("UNION_LAYERS"));
	setenv("UNION_LAYERS", val, 1);
	free(spec);
	free(val);
	val = preload_value(lib, getenv("LD_PRELOAD"));
	setenv("LD_PRELOAD", val, 1);
	free(val);
	val = supervisor_find();
	if (val)
		setenv("UNION_SUPERVISOR", val, 1);
	free(val);

	if (!temporary)
		exec_command(lib, a.cmd);	/* does not return */
	status = run_and_wait(lib, a.cmd);
	if (a.keep) {
		un_err("kept the upper %s", ly.upper);
		goto out_free;
	}

out_remove:
	if (temporary)
		un_remove_tree(ly.upper);
out_free:
	free(lib);
	un_layers_release(&ly);
	un_strv_release(&a.lowers);
	return status;
}
