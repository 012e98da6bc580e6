/*
 * lend.c - the user's own directories lent u+rx for a command's reading,
 * and the lock that the commands on one upper take.
 *
 * An ordinary user's upper may hold a directory the user made
 * unsearchable (`chmod 600 d` in the view: the upper holds d so; the
 * kernel would read it with the mounter's credentials).  union diff,
 * export and convert --from-overlay read the upper as its owner, and
 * without u+x on d cannot lstat what d holds.  So they lend the missing
 * owner bits to an object of the user's own for the time they read it (a
 * directory: its walk) and take them back after (commit lends itself
 * u+rwx by its own journal: commit.c).  While a mode is lent the union
 * shows it (chmod moves only the ctime).  Since session 19 this is the
 * fallback: those commands first read from a user namespace where the
 * user's own objects need no lend (userns.c), and lend only where the
 * kernel refuses one (a seccomp'd container, max_user_namespaces=0).
 * Never lent: as root (who reads regardless), another owner's object
 * (the command fails as before), or where the mode cannot be changed or
 * noted (a read-only upper: the command fails, naming the directory and
 * why).
 *
 * A kill must not leave a mode lent.  Each lend is noted first in
 * UPPER/.union/lend-meta (journal.c's lines) and its note cut off again
 * (the file truncated to its length before it) once the mode is back, so
 * the journal holds exactly what is lent, innermost last.  At its first
 * lend the command starts a watcher: a child in a session of its own (a
 * terminal's or a process group's signals do not reach it), its stdio on
 * /dev/null (`$(union diff U)` does not wait for it), that waits for the
 * command's end (EOF on a pipe) and then puts back what the journal still
 * notes.  Should the watcher die too (kill -9 of both, a crash), the next
 * command on the upper puts it back before it reads anything.
 *
 * Every command on an upper (diff, export, commit, convert) holds
 * flock(LOCK_EX) on the directory UPPER/.union for its run, and the
 * watcher shares that lock until it is done: no command reads a mode
 * another has lent, nor has a mode put back under its walk.  (The
 * library takes no lock there; a process of the union sees a lent mode
 * meanwhile, and a chmod it makes of a lent directory is undone.)
 *
 * For the tests, UNION_TEST_LEND_ABORT=N kills the command (SIGKILL)
 * after its N-th lend; "Nw" kills its watcher first.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "union.h"

#define UN_JOURNAL_LEND "lend-meta"

int un_lend_open(struct un_lend *l, const char *upper)
{
	char *dir = un_path_join(upper, UN_FMT_META_DIR);
	int fd, ret = 0;

	memset(l, 0, sizeof(*l));
	l->lockfd = l->jfd = l->watch = -1;
	l->active = true;
	l->journal = un_path_join(dir, UN_JOURNAL_LEND);
	/* No UPPER/.union (an upper the library never used): nothing was
	   lent in it, nothing can be (un_lend says so). */
	l->lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (l->lockfd < 0)
		return 0;
	while (flock(l->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return un_fail(-errno, "cannot lock '%s/%s'", upper,
				       UN_FMT_META_DIR);
	}
	/* A command and its watcher killed: their modes put back now. */
	fd = open(l->journal, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		un_err("putting back the modes an interrupted command lent in "
		       "'%s'", upper);
		ret = un_journal_replay_fd(fd, l->journal, true);
		close(fd);
		if (ret == 0 && unlink(l->journal) < 0 && errno != ENOENT)
			ret = un_fail(-errno, "cannot remove '%s'",
				      l->journal);
	}
	return ret;
}

/*
 * The watcher's life: wait for the command's end, put back what the
 * journal still notes.  A journal already removed (nlink 0) is a command
 * that ended well.
 */
static void __attribute__((noreturn)) watch(const struct un_lend *l, int rfd)
{
	int keep[3] = { rfd, l->jfd, l->lockfd };
	struct stat st;
	char c;

	setsid();
	un_detach_fds(keep, 3);

	for (;;) {
		ssize_t n = read(rfd, &c, 1);

		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
	}
	if (fstat(l->jfd, &st) == 0 && st.st_nlink > 0 &&
	    un_journal_replay_fd(l->jfd, l->journal, true) == 0)
		unlink(l->journal);
	_exit(0);
}

/* The journal made and the watcher started, at the first lend. */
static int lend_start(struct un_lend *l)
{
	int p[2];

	l->jfd = open(l->journal, O_RDWR | O_APPEND | O_CREAT | O_TRUNC |
				  O_CLOEXEC, 0600);
	if (l->jfd < 0)
		return un_fail(-errno, "cannot write '%s'", l->journal);
	if (pipe2(p, O_CLOEXEC) < 0)
		return un_fail(-errno, "cannot start a watcher");
	l->watcher = fork();
	if (l->watcher < 0) {
		close(p[0]);
		close(p[1]);
		return un_fail(-errno, "cannot start a watcher");
	}
	if (l->watcher == 0)
		watch(l, p[0]);
	close(p[0]);
	l->watch = p[1];
	return 0;
}

static void test_abort(const struct un_lend *l)
{
	const char *spec = getenv("UNION_TEST_LEND_ABORT");
	char *end;

	if (!spec || strtoul(spec, &end, 10) != l->count)
		return;
	if (*end == 'w') {
		kill(l->watcher, SIGKILL);
		waitpid(l->watcher, NULL, 0);
	}
	raise(SIGKILL);
}

/*
 * Is st (an lstat) one to lend to: the user's own, over which the user
 * holds no privilege?  Not as root, who reads regardless; in the user
 * namespace (userns.c: the caller is 0 there) not where its capabilities
 * cover st, i.e. only the user's own with a group of another id (a
 * supplementary group's, unmapped there).
 */
static bool lendable(const struct stat *st)
{
	if (un_userns_active())
		return st->st_uid == 0 && !un_userns_covers(st);
	return geteuid() != 0 && st->st_uid == geteuid();
}

int un_lend(struct un_lend *l, const char *path, const struct stat *st,
	    mode_t bits)
{
	mode_t mode = st->st_mode & 07777;
	struct un_lent *t;
	off_t mark;
	int ret;

	if ((mode & bits) == bits || !l->may || S_ISLNK(st->st_mode) ||
	    !lendable(st))
		return 0;
	if (l->lockfd < 0)
		return un_fail(-EACCES, "cannot read '%s' (mode %04o): no "
			       "place to note a mode lent to it", path,
			       (unsigned)mode);
	if (l->jfd < 0 && (ret = lend_start(l)) < 0)
		return ret;
	mark = lseek(l->jfd, 0, SEEK_END);
	if (mark < 0)
		return un_fail(-errno, "cannot read '%s'", l->journal);
	ret = un_journal_note_fd(l->jfd, l->journal, path, st);
	if (ret < 0)
		return ret;
	if (chmod(path, mode | bits) < 0) {
		ret = -errno;
		if (ftruncate(l->jfd, mark) < 0)
			ret = un_fail(-errno, "cannot write '%s'", l->journal);
		return un_fail(ret, "cannot read '%s' (mode %04o): cannot "
			       "lend its owner the bits %04o", path,
			       (unsigned)mode, (unsigned)bits);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->lent = un_xrealloc(l->lent, l->cap * sizeof(*l->lent));
	}
	t = &l->lent[l->n++];
	t->path = un_xstrdup(path);
	t->mode = mode;
	t->mark = mark;
	l->count++;
	test_abort(l);
	return 1;
}

int un_lend_return(struct un_lend *l)
{
	struct un_lent *t;
	int ret = 0;

	if (!l->n)
		return 0;
	t = &l->lent[--l->n];
	/* (Gone meanwhile: nothing to put back.) */
	if (chmod(t->path, t->mode) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot change the mode of '%s' back",
			      t->path);
	else if (ftruncate(l->jfd, t->mark) < 0)
		ret = un_fail(-errno, "cannot write '%s'", l->journal);
	free(t->path);
	return ret;
}

void un_lend_unlent(const struct un_lend *l, const char *path,
		    struct stat *st)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!strcmp(l->lent[i].path, path)) {
			st->st_mode = (st->st_mode & S_IFMT) |
				      l->lent[i].mode;
			return;
		}
}

int un_lend_close(struct un_lend *l)
{
	int ret = 0;

	if (!l->active)
		return 0;
	while (l->n)
		if (un_lend_return(l) < 0 && ret == 0)
			ret = -EIO;
	/* All back: the watcher, told by the EOF, finds nothing to do. */
	if (l->jfd >= 0) {
		if (ret == 0 && unlink(l->journal) < 0 && errno != ENOENT)
			ret = un_fail(-errno, "cannot remove '%s'",
				      l->journal);
		close(l->jfd);
	}
	if (l->lockfd >= 0) {
		if (ret == 0)
			flock(l->lockfd, LOCK_UN);
		close(l->lockfd);
	}
	if (l->watch >= 0)
		close(l->watch);
	free(l->lent);
	free(l->journal);
	memset(l, 0, sizeof(*l));
	return ret;
}
