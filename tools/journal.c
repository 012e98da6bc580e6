/*
 * journal.c - the directories' metadata a command changes for its own
 * work, noted before, put back by the next run after a kill.
 *
 * `union commit` gives a directory of the user's u+rwx to work in it, and
 * makes the top lower's directories before their final owner, mode and
 * times; `union convert` makes directories and changes their times as it
 * puts whiteouts in them.  Each sets what the union showed at its end,
 * but a kill in between leaves the changed metadata, which the union then
 * shows and which a second run takes for the user's (session 17: a
 * directory of mode 0600 came back 0700 for good).  So each directory is
 * noted (its path and the metadata the union shows for it) in a journal
 * in UPPER/.union before the command changes it, and a run begins by
 * putting back what the journal notes (a directory still there) and
 * removing it: a rerun then sees what the first run saw.
 *
 * One line a path, appended: "MODE UID GID ASEC ANSEC MSEC MNSEC
 * PATH\n", numbers in decimal (st_mode in octal, its type too: put back
 * only onto an object of that type), the path escaped as the table's.
 * (Directories mostly; convert also notes a file whose mode it lifts.)  A line cut by the kill (no newline) is the last and is
 * ignored: its directory was not changed yet.  Not fsync'ed: what it
 * guards against is a kill, and a crash of the machine may lose the
 * changes the line is about just as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "union.h"

int un_journal_note_fd(int fd, const char *journal, const char *path,
		       const struct stat *st)
{
	char *e, *line;
	struct stat own;
	size_t len;
	int ret;

	/* Noted from a user namespace (userns.c): the owner outside, which
	   a run outside it (as root too) may put back. */
	if (un_userns_active()) {
		own = *st;
		ret = un_userns_real_ids(path, &own);
		if (ret < 0)
			return ret;
		st = &own;
	}
	e = un_escape(path, strlen(path));
	line = un_xasprintf("%o %u %u %lld %ld %lld %ld %s\n",
			    (unsigned)st->st_mode,
			    (unsigned)st->st_uid, (unsigned)st->st_gid,
			    (long long)st->st_atim.tv_sec,
			    st->st_atim.tv_nsec,
			    (long long)st->st_mtim.tv_sec,
			    st->st_mtim.tv_nsec, e);
	len = strlen(line);
	ret = 0;
	errno = 0;	/* (a short write sets none) */
	if (write(fd, line, len) != (ssize_t)len)
		ret = un_fail(errno ? -errno : -EIO, "cannot write '%s'",
			      journal);
	free(line);
	free(e);
	return ret;
}

int un_journal_note(const char *journal, const char *path,
		    const struct stat *st)
{
	int fd, ret;

	fd = open(journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return un_fail(-errno, "cannot write '%s'", journal);
	ret = un_journal_note_fd(fd, journal, path, st);
	close(fd);
	return ret;
}

/*
 * One line (without its newline): put its path's metadata back (its mode
 * alone when mode_only).
 */
static int replay_line(const char *line, size_t len, bool mode_only)
{
	unsigned mode, uid, gid;
	long long asec, msec;
	long ansec, mnsec;
	int off = 0, ret = 0;
	char *path = NULL;
	size_t plen;
	struct stat st, now;

	if (sscanf(line, "%o %u %u %lld %ld %lld %ld %n", &mode, &uid, &gid,
		   &asec, &ansec, &msec, &mnsec, &off) < 7 || !off ||
	    (size_t)off >= len || un_unescape(line + off, len - off, &path,
					       &plen) < 0) {
		un_err("warning: a damaged line in a journal, skipped");
		return 0;
	}
	if (lstat(path, &now) == 0 &&
	    (now.st_mode & S_IFMT) == (mode & S_IFMT)) {
		memset(&st, 0, sizeof(st));
		st.st_mode = mode;
		st.st_uid = uid;
		st.st_gid = gid;
		st.st_atim.tv_sec = asec;
		st.st_atim.tv_nsec = ansec;
		st.st_mtim.tv_sec = msec;
		st.st_mtim.tv_nsec = mnsec;
		if (!mode_only)
			ret = un_set_meta(path, &st);
		else if (!S_ISLNK(mode) && chmod(path, mode & 07777) < 0)
			ret = un_fail(-errno, "cannot change the mode of '%s'",
				      path);
	}
	free(path);
	return ret;
}

/* Put back what buf notes, the last noted first. */
static int replay_buf(char *buf, size_t len, bool mode_only)
{
	char *s, *nl;
	int ret = 0;

	/* Last noted first: the first note of a directory is what it was
	   before the run that noted it. */
	for (s = buf + len; ret == 0 && s > buf;) {
		char *end = s;

		if (end[-1] != '\n') {	/* cut by the kill */
			while (s > buf && s[-1] != '\n')
				s--;
			continue;
		}
		for (s = end - 1; s > buf && s[-1] != '\n'; s--)
			;
		nl = end - 1;
		ret = replay_line(s, nl - s, mode_only);
	}
	return ret;
}

int un_journal_replay_fd(int fd, const char *journal, bool mode_only)
{
	char *buf;
	size_t len;
	int ret;

	ret = lseek(fd, 0, SEEK_SET) < 0 ? -errno : un_read_fd(fd, &buf, &len);
	if (ret < 0)
		return un_fail(ret, "cannot read '%s'", journal);
	ret = replay_buf(buf, len, mode_only);
	free(buf);
	return ret;
}

int un_journal_replay(const char *journal)
{
	char *buf;
	size_t len;
	int ret;

	ret = un_read_file(journal, &buf, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return un_fail(ret, "cannot read '%s'", journal);
	ret = replay_buf(buf, len, false);
	free(buf);
	if (ret == 0 && unlink(journal) < 0 && errno != ENOENT)
		ret = un_fail(-errno, "cannot remove '%s'", journal);
	return ret;
}
