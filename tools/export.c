/*
 * export.c - `union export`: the changes as an OCI image layer.
 *
 *	union export [-o FILE] [--gzip] [-l DIR]... [-m PATH] UPPER
 *
 * The layer is a tar stream (tar.c) of what the upper holds, as an image
 * layer holds a container's changes (the OCI image spec, "Image Layer
 * Filesystem Changeset"):
 *
 *   - every directory, file, symlink, device and fifo of the upper with
 *     its mode, owner, times and xattrs; names relative to the union's
 *     root, without a leading "./"; a second name of a file with several
 *     links in the upper is a hard link entry to the first;
 *   - each whiteout that hides something of the lowers as an empty file
 *     `.wh.<name>` in its directory;
 *   - each opaque directory (a record 'o') that hides a directory of the
 *     lowers as its directory entry followed by `<dir>/.wh..wh..opq`.
 *
 * Entries come in tree order, and within a directory the whiteouts come
 * before the other names, as the spec asks.  A directory that is not in
 * the upper but holds whiteouts is written with the lowers' metadata.
 * --gzip sends the stream through `gzip -c`.  Without -o the archive
 * goes to stdout, but never to a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "union.h"

static const char export_usage[] =
	"usage: union export [-o|--output FILE] [-z|--gzip] "
	"[-l|--lower DIR]... [-m|--merged PATH] UPPER\n";

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *name;
};

struct export {
	struct un_tar tar;
	struct un_lend *lend;	/* the changes' (lend.c) */
	struct link_seen *links;
	size_t nlinks;
};

/* An empty regular file entry (a whiteout marker). */
static int add_marker(struct export *x, const char *dir, const char *name)
{
	struct stat st = { .st_mode = S_IFREG | 0644 };
	struct un_tar_entry te = { .st = &st };
	char *path = un_xasprintf("%s%s", dir, name);
	int ret;

	te.name = path;
	ret = un_tar_add(&x->tar, &te);
	free(path);
	return ret;
}

static int dir_pre(void *arg, const struct un_entry *e)
{
	struct export *x = arg;
	struct un_tar_entry te = { .name = e->rel };
	char *dir;
	int ret;

	if (!*e->rel)
		return 0;
	if (e->in_upper) {
		te.st = &e->st;
		te.src = e->upper_path;
	} else {
		te.st = &e->before.st;
		te.src = e->before.real;
	}
	ret = un_tar_add(&x->tar, &te);
	if (ret < 0 || !e->in_upper || e->record == UN_REC_NONE ||
	    !un_obj_is_dir(&e->before))
		return ret;
	dir = un_xasprintf("%s/", e->rel);
	ret = add_marker(x, dir, ".wh..wh..opq");
	free(dir);
	return ret;
}

static int whiteout(void *arg, const struct un_entry *e)
{
	char *dir, *prefix;
	int ret;

	if (e->before.layer < 0)
		return 0;
	dir = un_rel_dir(e->rel);
	prefix = un_xasprintf("%s%s.wh.", dir, *dir ? "/" : "");
	ret = add_marker(arg, prefix, un_rel_base(e->rel));
	free(prefix);
	free(dir);
	return ret;
}

static int object(void *arg, const struct un_entry *e)
{
	struct export *x = arg;
	struct un_tar_entry te = {
		.name = e->rel, .st = &e->st, .src = e->upper_path,
	};
	struct link_seen *l;
	int ret, lent;

	if (S_ISREG(e->st.st_mode) && e->st.st_nlink > 1) {
		for (size_t i = 0; i < x->nlinks; i++) {
			if (x->links[i].dev == e->st.st_dev &&
			    x->links[i].ino == e->st.st_ino) {
				te.hardlink = x->links[i].name;
				return un_tar_add(&x->tar, &te);
			}
		}
		x->links = un_xrealloc(x->links,
				       (x->nlinks + 1) * sizeof(*x->links));
		l = &x->links[x->nlinks++];
		l->dev = e->st.st_dev;
		l->ino = e->st.st_ino;
		l->name = un_xstrdup(e->rel);
	}
	/* A file of the user's own without u+r (chmod 000 in the view) is
	   lent it while its data is read (te.st keeps its mode). */
	lent = S_ISREG(e->st.st_mode) ?
		       un_lend(x->lend, e->upper_path, &e->st, S_IRUSR) : 0;
	if (lent < 0)
		return lent;
	ret = un_tar_add(&x->tar, &te);
	if (lent && un_lend_return(x->lend) < 0 && ret == 0)
		ret = -EIO;
	return ret;
}

/* Start `gzip -c` writing to fd; *in: where to write the tar. */
static int start_gzip(int fd, int *in, pid_t *pid)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return un_fail(-errno, "cannot make a pipe");
	*pid = fork();
	if (*pid < 0) {
		close(p[0]);
		close(p[1]);
		return un_fail(-errno, "cannot fork");
	}
	if (*pid == 0) {
		if (dup2(p[0], 0) < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execlp("gzip", "gzip", "-c", (char *)NULL);
		un_fail(-errno, "cannot run gzip");
		_exit(127);
	}
	close(p[0]);
	*in = p[1];
	return 0;
}

static int wait_gzip(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return un_fail(-errno, "cannot wait for gzip");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	un_err("gzip failed (status %d)", WIFEXITED(status) ?
		       WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -EIO;
}

struct export_args {
	const char *output;
	bool gzip;
};

static int export_opt(int opt, void *arg)
{
	struct export_args *e = arg;

	if (opt == 'o')
		e->output = optarg;
	else
		e->gzip = true;
	return 0;
}

static int export_check(void *arg)
{
	struct export_args *e = arg;

	if (!e->output && isatty(1)) {
		un_err("export: not writing an archive to a terminal (use -o "
		       "FILE or a redirection)");
		return UN_EXIT_FAIL;
	}
	return -1;
}

int un_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "lower", required_argument, NULL, 'l' },
		{ "merged", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct un_cmd_opts cmd = {
		.name = "export",
		.usage = export_usage,
		.shortopts = ":o:zl:m:h",
		.longopts = opts,
		.opt = export_opt,
		.check = export_check,
		.userns = true,
	};
	static const struct un_walk_ops ops = {
		.dir_pre = dir_pre,
		.whiteout = whiteout,
		.object = object,
	};
	struct export_args e = { 0 };
	const char *output;
	struct export x = { 0 };
	struct un_changes c;
	int fd = 1, tfd, status, ret;
	pid_t gz = -1;

	status = un_upper_changes_open(argc, argv, &cmd, &e, &c);
	if (status >= 0)
		return status;
	status = UN_EXIT_FAIL;
	c.lend.may = true;	/* a reading command: lend.c */
	x.lend = &c.lend;
	output = e.output;
	if (output) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
		if (fd < 0) {
			un_fail(-errno, "cannot create '%s'", output);
			goto out_release;
		}
	}
	tfd = fd;
	if (e.gzip && start_gzip(fd, &tfd, &gz) < 0)
		goto out_close;

	un_tar_init(&x.tar, tfd);
	ret = un_changes_walk(&c, &ops, &x);
	if (ret == 0)
		ret = un_tar_finish(&x.tar);
	if (gz > 0) {
		close(tfd);
		if (wait_gzip(gz) < 0 && ret == 0)
			ret = -EIO;
	}
	if (ret == 0 && output && fsync(fd) < 0 && errno != EINVAL)
		ret = un_fail(-errno, "cannot write '%s'", output);
	if (ret == 0)
		status = 0;
out_close:
	if (output && fd >= 0 && close(fd) < 0 && status == 0) {
		un_fail(-errno, "cannot write '%s'", output);
		status = UN_EXIT_FAIL;
	}
out_release:
	for (size_t i = 0; i < x.nlinks; i++)
		free(x.links[i].name);
	free(x.links);
	un_changes_release(&c);
	return status;
}
