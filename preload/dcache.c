/*
 * dcache.c - which layers make up the directories looked up lately.
 *
 * Looking a path up walks it from the union's root, one component at a
 * time, with an lstat in each layer: a path of depth d costs up to
 * d * layers system calls.  Programs mostly work in a few directories
 * at a time (tar, find, git, make), so each thread remembers the last
 * few merged directories it walked, with the layers that make them up;
 * a lookup then starts at the parent directory of its last component.
 *
 * An entry is valid while nothing that could change a directory's
 * layers has happened in any process of the union: the whiteout table
 * unchanged (whiteouts, opaque directories) and no directory made,
 * removed or renamed in the upper.  Both are counted in the table's
 * mapped header (un_wtable_stamp), so checking costs no system call.
 * Changes made to the upper behind the library's back (another tool
 * writing the upper while the union runs) are not seen; nor are they by
 * the kernel's overlayfs, whose documentation calls them undefined.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* A power of two.  tar x of a tree of ~40 directories filled in turn
   (bench.py's tar-x) thrashed 32 direct-mapped slots, each miss a walk
   from the root again (two lstats a component): 256 slots and 256 name
   sets took its newfstatat from 10,880 to ~7,600 (bench/README.md,
   Session 9, round 2), for ~24 KiB a thread, allocated at first use
   (tests/integration/tar-x-calls). */
#define DCACHE_SIZE 256
/*
 * Eight ways a set: a merged listing tells the cache every subdirectory
 * it saw (readdir.c put_subdirs), up to a hundred at once, which the
 * walk that follows asks for one by one; direct-mapped, about a third
 * of them had been pushed out by a later one before their turn came
 * (bench/README.md "Session 11 (walks)").  A put takes a free way of
 * the set, else a stale one, else the least recently used of those
 * asked for since their put (or put DCACHE_SIZE puts ago), else the
 * oldest put.  Not plain LRU: the walk's hits make the entries it used
 * the most recent, so a miss's put pushed out one of the listing's
 * entries not asked for yet, whose own miss pushed out the next.
 */
#define DCACHE_WAYS 8
#define DCACHE_SETS (DCACHE_SIZE / DCACHE_WAYS)
_Static_assert(DCACHE_SETS <= 32, "struct dcache's sets_put has a bit a set");
#define NSETS 256	/* upper name sets: the directories a program fills at once */
/* A power of two (struct dcache's dirgen, 16 KiB, allocated at the
   thread's first directory copy-up): with 1,024 slots, tar x's 496
   copies dropped enough entries of other parents to cost 58 lstats more
   than the loop over the cache did (bench/README.md "Session 11 (write,
   round 2)"). */
#define DIRGENS 4096
#define LEARN_BUF 32768	/* getdents64's buffer for learn_upper */

struct dcache_ent {
	struct un_mount *m;
	uint64_t stamp;
	uint64_t mask, parentmask;
	uint64_t hash;		/* un_name_hash of vpath */
	uint32_t used;		/* the cache's tick at its put or last hit */
	uint32_t born;		/* the cache's count of puts at its put */
	bool hit;		/* asked for since its put */
	uint16_t pslot;		/* the dirgen slot of its parent's path */
	uint32_t pgen;		/* that slot's count at its put */
	size_t len;
	char *vpath;
	/* A directory whose upper copy merges with a lower's: its topmost
	   lower copy's identity (un_dcache_origin_get), ino 0: not known */
	dev_t odev;
	ino_t oino;
};

/* What a name set and a lower list have alike: the directory rel of m
   they are about, and n items of data (malloc'ed, the slot's own). */
struct dslot {
	struct un_mount *m;
	char *rel;		/* NULL: a free slot */
	size_t rel_len;
	void *data;
	size_t n;
};

/* The hashed names of the upper part of a merged directory: s.data
   holds s.n hashes, sorted. */
struct nset {
	struct dslot s;
	uint64_t stamp;
};

/* The last lower file looked up (see un_dcache_memo_get). */
struct memo {
	struct un_mount *m;
	uint64_t stamp, dirmask;
	int layer;
	struct stat st;
	size_t vlen, vcap;
	char *vpath;		/* vlen bytes, no NUL */
};

/* The names a lower directory showed when this thread last listed it
   to its end (see un_dcache_put_lower): s.data holds s.n bytes of
   getdents records, those of d_ino 0, "." and ".." no name of it. */
struct lowlist {
	struct dslot s;
	int layer;
};

#define NLOWLISTS 2	/* rm -rf: the directory, and its parent's */

struct dcache {
	struct memo memo;
	struct lowlist low[NLOWLISTS];
	unsigned low_next;
	bool mapped;	/* by mmap, not malloc (dcache_mine) */
	/* The directory of the last miss in an upper, and its misses. */
	struct un_mount *miss_m;
	uint64_t miss_dir;	/* un_name_hash of its rel */
	uint64_t miss_name;	/* un_name_hash of the last name missed */
	unsigned misses;	/* of distinct names in a row */
	/*
	 * The last name the upper lacked (un_dcache_upper_missed), with
	 * the names stamp the lookup read before that upper's lstat: while
	 * the stamp reads the same, no process of the union has made a
	 * name in the upper nor changed a directory since, so the upper
	 * lacks it still (un_dcache_upper_lacks_at).  A loop that stats
	 * one lower name again and again paid the upper's lstat each
	 * time, which the name sets above learn only at the third
	 * distinct name missed in a directory (bench/README.md "Session
	 * 19 (stat19)").  The path itself, not its hash: a collision
	 * here would be a wrong answer, not a miss.  cred: the
	 * credentials' stamp then (un_cred_stamp, never 0): the upper's
	 * lstat skipped is also its search permission's check, which a
	 * set*id may change.  len 0: none.
	 */
	struct {
		const struct un_mount *m;
		uint64_t stamp, cred;
		size_t len;
		char rel[UN_DCACHE_MISS_MAX];
	} umiss;
	/* The entry of the last hit of un_dcache_get, tried before the
	   path is hashed: git status looks up the files of its index in
	   order, ~15 a directory, each settling in the same directory.
	   Only a hint: an entry that matches (union, path, then stamp) is
	   the one the path's hash would pick, whatever it held before. */
	struct dcache_ent *last;
	/* The name set of the last un_dcache_upper_lacks_at that found
	   its directory's (the same kind of hint). */
	struct nset *set_last;
	/* A name set was put: until then set[] is not read, its pages
	   never touched (a compiler's process puts none; the read of a
	   slot was a page fault in each, bench/README.md "Session 14
	   (make -j32)"). */
	bool any_set;
	/* The cwd's layers (un_dcache_cwd_get): every relative lookup
	   settles on the cwd first, and git status's alternate with the
	   directory of each name, so `last` missed for both. */
	struct {
		const struct un_mount *m;
		unsigned long seq;
		uint64_t stamp, mask, pmask;
	} cwd;
	/* The layers of the last directory reached from the cwd by a
	   plain relative part (un_dcache_rel_get): git status's index
	   names ~15 files a directory in a row, each "dir/sub/name". */
	struct {
		struct un_mount *m;
		unsigned long seq;
		uint64_t stamp, mask, pmask;
		size_t len;
		char part[UN_DCACHE_PART_MAX];
		/* The directory's merged path (vlen bytes; 0: longer than
		   the room) and the cwd's layer then, for lookup_near
		   (un_dcache_rel_dir): no read of the cwd's record. */
		int layer;
		size_t vlen;
		char vpath[UN_DCACHE_DIR_MAX];
	} rel;
	uint32_t tick, puts;	/* (wrap: ages are differences) */
	/* Bit i: set i of ent had a put.  Before it, its ways are not
	   read (nor zeroed: a thread's cache is malloc'ed), and
	   un_dcache_put zeroes them and takes the first: a short-lived
	   process's first put in a set of a page it never touched was a
	   read fault (the zero page), then a write fault on the same page
	   (bench/README.md "Session 14 (make -j32)"). */
	uint32_t sets_put;
	/*
	 * This thread's own run of directory copy-ups in run_m (see
	 * un_dcache_dir_copied): the stamp went from run_base to run_now
	 * by nothing but them.  An entry of run_m stamped run_base is
	 * valid while the stamp reads run_now: those valid when the run
	 * began carry it already, and a put during the run is given it.
	 * Each copy-up moves run_now, not every entry.
	 */
	struct un_mount *run_m;
	uint64_t run_base, run_now;
	/*
	 * Counts of copy-ups of the directories whose path hashes to each
	 * slot: an entry whose parent's slot moved since its put holds
	 * that parent's old layers, and is not valid.  A copy-up drops its
	 * children without a search (their sets are not known); another
	 * path of the slot costs a miss, never a wrong answer.
	 * dirgen_zero (never written) until this thread's first copy-up:
	 * git status's twenty lstat threads never copy, and calloc zeroed
	 * these 16 KiB for each (bench/README.md "Session 13 (caches)").
	 */
	uint32_t *dirgen;	/* DIRGENS counts */
	/* Bit i: set[i] was put (its first put zeroes it). */
	uint64_t sets_named[NSETS / 64];
	/*
	 * Last, not zeroed when a thread's cache is made (dcache_mine: a
	 * calloc's memset was ~34,000 instructions a thread, git status's
	 * twenty lstat threads ~0.7M, bench/README.md "Session 15 (git)"):
	 * a set of ent is zeroed at its first put (sets_put; never read
	 * before), a name set likewise (sets_named).
	 */
	struct dcache_ent ent[DCACHE_SIZE];
	struct nset set[NSETS];
};

/* Every thread's dirgen before its first copy-up: all counts 0. */
static uint32_t dirgen_zero[DIRGENS];

static __thread struct dcache *tls_dcache;

static void dslot_free(struct dslot *s)
{
	free(s->rel);
	free(s->data);
}

/* Is s about the directory rel (len bytes) of m? */
static bool dslot_is(const struct dslot *s, const struct un_mount *m,
		     const char *rel, size_t len)
{
	return s->m == m && s->rel && s->rel_len == len &&
	       !memcmp(s->rel, rel, len);
}

/*
 * Put into s the directory rel of m (copied) and data (n items, taken
 * over), in place of what s held.  false when rel cannot be copied:
 * data is freed and s left as it was.  The copy of rel s held is
 * written over where the new one fits (git status lists ~1,000 lower
 * directories whose paths are of one length, each put here at its end:
 * a malloc and a free of ~200 instructions each time).
 */
static bool dslot_put(struct dslot *s, struct un_mount *m, const char *rel,
		      void *data, size_t n)
{
	size_t len = strlen(rel);
	char *r = s->rel && s->rel_len >= len ? s->rel : malloc(len + 1);

	if (!r) {
		free(data);
		return false;
	}
	memcpy(r, rel, len + 1);
	if (r != s->rel)
		free(s->rel);
	free(s->data);
	s->m = m;
	s->rel = r;
	s->rel_len = len;
	s->data = data;
	s->n = n;
	return true;
}
/* The key plus one (0: not made yet).  Not pthread_once: its end is a
   futex wake, a system call in every process that looks a name up, for
   waiters that are almost never there.  Two threads that race both make
   a key; the loser deletes its own. */
static unsigned dcache_key1;

static void dcache_free(void *p)
{
	struct dcache *c = p;

	for (int i = 0; i < DCACHE_SIZE; i++)
		if (c->sets_put & (1u << (i / DCACHE_WAYS)))
			free(c->ent[i].vpath);
	for (int i = 0; i < NSETS; i++)
		if (c->sets_named[i / 64] & ((uint64_t)1 << (i % 64)))
			dslot_free(&c->set[i].s);
	free(c->memo.vpath);
	for (int i = 0; i < NLOWLISTS; i++)
		dslot_free(&c->low[i].s);
	if (c->dirgen != dirgen_zero)
		free(c->dirgen);
	if (!c->mapped) {
		free(c);
		return;
	}
	un_lsan_unroot(c, sizeof(*c));
	/* The system call, not the exported munmap: this mapping never
	   held a string of the program's, and the wrapper would make
	   every thread forget the pages it found readable (wrap_mem.c). */
	syscall(SYS_munmap, c, sizeof(*c));
}

/* A configuration is being released (the tools and the tests): this
   thread's caches name its mounts, which may come back at the same
   addresses with other layers behind them. */
void un_dcache_forget(void)
{
	struct dcache *c = tls_dcache;

	if (!c)
		return;
	pthread_setspecific(__atomic_load_n(&dcache_key1, __ATOMIC_ACQUIRE) - 1,
			    NULL);
	tls_dcache = NULL;
	dcache_free(c);
}

/* The key, made at the first call; false when none can be had (the
   cache is then not freed at the thread's end). */
static bool dcache_key(pthread_key_t *out)
{
	unsigned k1 = __atomic_load_n(&dcache_key1, __ATOMIC_ACQUIRE);
	pthread_key_t k;

	if (!k1) {
		if (pthread_key_create(&k, dcache_free) != 0)
			return false;
		if (__atomic_compare_exchange_n(&dcache_key1, &k1, k + 1,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			k1 = k + 1;
		else
			pthread_key_delete(k);	/* (k1: the winner's) */
	}
	*out = k1 - 1;
	return true;
}

/*
 * This thread's cache, to read; to write (made at first use).  Never in
 * signal mode: the handler may have interrupted its own thread in the
 * middle of changing the cache, or of malloc (see internal.h).
 */
static struct dcache *dcache_now(void)
{
	return un_in_signal() ? NULL : tls_dcache;
}

/*
 * exec looks the program up in a process that is about to be replaced,
 * mostly a shell's child: a cache made there (calloc of ~48 KiB, the
 * thread key, malloc'ed paths) is thrown away by the exec, after
 * costing page faults and lazily bound libc functions in every child.
 */
static __thread bool dcache_quiet;

void un_dcache_quiet(bool on)
{
	dcache_quiet = on;
}

/* This thread's first cache (dcache_mine's rare half: out of line, so
   that the common one is a few loads inlined in each caller, where the
   call and the registers of this half cost ~20 instructions, each put of
   the memo of git status's 15,000 lstats). */
static __attribute__((noinline, cold)) struct dcache *dcache_make(void)
{
	struct dcache *c = NULL;
	pthread_key_t key = 0;
	bool keyed = dcache_key(&key);

	/* A process's first cache, made while it has one thread, is
	   mapped: calloc's memset faulted in all twelve pages of it,
	   where a short-lived process (a compiler's) touches two or
	   three.  A thread's comes from malloc: its arena gives the
	   next thread the pages a finished one touched, where a
	   mapping a thread faulted each afresh (git status's twenty
	   lstat threads: +200 faults, bench/README.md "Session 12
	   (integration)"). */
	if (__libc_single_threaded) {
		void *p = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			c = p;
			c->mapped = true;
			/* (It holds malloc'ed paths: internal.h.) */
			un_lsan_root(p, sizeof(*c));
		}
	} else {
		c = malloc(sizeof(*c));
		if (c)
			memset(c, 0, offsetof(struct dcache, ent));
	}
	if (c)
		c->dirgen = dirgen_zero;
	tls_dcache = c;
	if (c && keyed)
		pthread_setspecific(key, c);
	return c;
}

static inline struct dcache *dcache_mine(void)
{
	struct dcache *c;

	if (un_in_signal() || dcache_quiet)
		return NULL;
	c = tls_dcache;
	return __builtin_expect(c != NULL, 1) ? c : dcache_make();
}

/*
 * Eight bytes at a step (a merged path of 40 bytes is five steps, where
 * FNV's byte at a time cost ~200 instructions a lookup, twice a stat),
 * and the last one to seven bytes in one or two loads, not a byte at a
 * time (overlapping what was hashed, or one another, and shifted: the
 * word is the same as the bytes gathered one by one).  Only this
 * process compares these hashes: a collision costs a miss, or in a name
 * set an lstat that was not needed, never a wrong answer.
 */
uint64_t un_name_hash(const char *name, size_t len)
{
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = len * k, w;
	size_t total = len;

	for (; len >= 8; name += 8, len -= 8) {
		memcpy(&w, name, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (len) {
		if (total >= 8 &&
		    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
			/* The eight bytes ending the name, less those
			   already taken (elsewhere, the loads below:
			   any word of these bytes will do). */
			memcpy(&w, name + len - 8, 8);
			w >>= 8 * (8 - len);
		} else if (len >= 4) {
			uint32_t lo, hi;

			memcpy(&lo, name, 4);
			memcpy(&hi, name + len - 4, 4);
			w = lo | (uint64_t)hi << (8 * (len - 4));
		} else {
			w = (unsigned char)name[0] |
			    (uint64_t)(unsigned char)name[len / 2]
				    << (8 * (len / 2)) |
			    (uint64_t)(unsigned char)name[len - 1]
				    << (8 * (len - 1));
		}
		h = (h ^ w) * k;
	}
	h ^= h >> 32;
	return h * 0xff51afd7ed558ccdULL;
}

/* The set of the path whose un_name_hash is h. */
static unsigned set_index(uint64_t h)
{
	return (unsigned)(h ^ (h >> 32)) & (DCACHE_SETS - 1);
}

/* Its ways. */
static struct dcache_ent *set_of(struct dcache *c, uint64_t h)
{
	return &c->ent[set_index(h) * DCACHE_WAYS];
}

/* Has that set had a put (else its ways are not zeroed yet)? */
static bool set_put(const struct dcache *c, uint64_t h)
{
	return c->sets_put & (1u << set_index(h));
}

static uint64_t names_stamp_make(uint64_t names, uint64_t stamp)
{
	return un_names_stamp_make(names, stamp);
}

static uint64_t stamp_of(struct un_mount *m)
{
	return un_wtable_stamp(m->wt);
}

static unsigned dirgen_slot(uint64_t h)
{
	return (unsigned)(h >> 40) & (DIRGENS - 1);
}

/* Is e (of m) valid while m's stamp reads now? */
static inline bool ent_valid(const struct dcache *c,
			     const struct dcache_ent *e,
			     const struct un_mount *m, uint64_t now)
{
	return (e->stamp == now ||
		(m == c->run_m && now == c->run_now &&
		 e->stamp == c->run_base)) &&
	       e->pgen == c->dirgen[e->pslot];
}

/* Does e hold vpath (len bytes) of m? */
static inline bool ent_is(const struct dcache_ent *e,
			  const struct un_mount *m, const char *vpath,
			  size_t len)
{
	return e->m == m && e->len == len && e->vpath &&
	       !memcmp(e->vpath, vpath, len);
}

/* c's valid entry of vpath (len bytes) of m, else NULL; *now (when
   not NULL) the stamp it was found valid at.  (Inlined: a call of its
   own cost find -printf ~40k instructions.) */
static inline __attribute__((always_inline)) struct dcache_ent *
ent_find_at(struct dcache *c, struct un_mount *m, const char *vpath,
	    size_t len, uint64_t *now)
{
	struct dcache_ent *e = c->last;
	uint64_t stamp;

	if (!e || !ent_is(e, m, vpath, len)) {
		uint64_t h = un_name_hash(vpath, len);
		struct dcache_ent *set = set_of(c, h);

		if (!set_put(c, h))
			return NULL;
		e = NULL;
		for (int i = 0; i < DCACHE_WAYS; i++)
			if (set[i].hash == h && ent_is(&set[i], m, vpath, len)) {
				e = &set[i];
				break;
			}
		if (!e || !ent_valid(c, e, m, stamp = stamp_of(m)))
			return NULL;
		c->last = e;
		/* (The last hit's own hits, git's fifteen lookups in one
		   directory, leave its place in the order as it was.) */
		e->used = ++c->tick;
		e->hit = true;
	} else if (!ent_valid(c, e, m, stamp = stamp_of(m))) {
		return NULL;
	}
	if (now)
		*now = stamp;
	return e;
}

static inline __attribute__((always_inline)) struct dcache_ent *
ent_find(struct dcache *c, struct un_mount *m, const char *vpath, size_t len)
{
	return ent_find_at(c, m, vpath, len, NULL);
}

int un_dcache_get_at(struct un_mount *m, const char *vpath, size_t len,
		     uint64_t *mask, uint64_t *parentmask, uint64_t *stamp)
{
	struct dcache *c = dcache_now();
	struct dcache_ent *e;

	if (!c || !(e = ent_find_at(c, m, vpath, len, stamp)))
		return -1;
	*mask = e->mask;
	*parentmask = e->parentmask;
	return 0;
}

int un_dcache_get(struct un_mount *m, const char *vpath, size_t len,
		  uint64_t *mask, uint64_t *parentmask)
{
	return un_dcache_get_at(m, vpath, len, mask, parentmask, NULL);
}

int un_dcache_origin_get(struct un_mount *m, const char *vpath, size_t len,
			 dev_t *dev, ino_t *ino)
{
	struct dcache *c = dcache_now();
	struct dcache_ent *e;

	if (!c || !(e = ent_find(c, m, vpath, len)) || !e->oino)
		return -1;
	*dev = e->odev;
	*ino = e->oino;
	return 0;
}

void un_dcache_origin_put(struct un_mount *m, const char *vpath, size_t len,
			  dev_t dev, ino_t ino)
{
	struct dcache *c = dcache_now();
	struct dcache_ent *e;

	if (c && (e = ent_find(c, m, vpath, len))) {
		e->odev = dev;
		e->oino = ino;
	}
}

uint64_t un_dcache_stamp(struct un_mount *m)
{
	return stamp_of(m);
}

/*
 * The layers of the cwd of m, as a lookup of this thread found them
 * at the cwd's change count seq while m's stamp read stamp.  The count
 * moves at every change of the cwd's record (fdtab.c, its writers), the
 * stamp at every change of a directory of the upper or of the table, by
 * any process (what invalidates any entry here; this thread's run of
 * copy-ups too, which an entry may outlive): while both stand, the
 * layers do.  0 on a hit.
 */
int un_dcache_cwd_get(const struct un_mount *m, unsigned long seq,
		      uint64_t stamp, uint64_t *mask, uint64_t *parentmask)
{
	struct dcache *c = dcache_now();

	if (!c || c->cwd.m != m || c->cwd.seq != seq || c->cwd.stamp != stamp)
		return -1;
	*mask = c->cwd.mask;
	*parentmask = c->cwd.pmask;
	return 0;
}

void un_dcache_cwd_put(const struct un_mount *m, unsigned long seq,
		       uint64_t stamp, uint64_t mask, uint64_t parentmask)
{
	struct dcache *c = dcache_mine();

	if (!c)
		return;
	c->cwd.m = m;
	c->cwd.seq = seq;
	c->cwd.stamp = stamp;
	c->cwd.mask = mask;
	c->cwd.pmask = parentmask;
}

/*
 * The layers of the directory the cwd of m (at count seq) reaches by
 * part (len bytes: plain names, no empty, '.' or '..' one, no trailing
 * slash), as a lookup of this thread found them while m's stamp read
 * stamp: its merged path is the cwd's and part, fixed while the count
 * stands, its layers while the stamp does (as un_dcache_cwd_get).  m
 * holds no other union (whose own stamp would be the one to compare).
 * 0 on a hit.
 */
int un_dcache_rel_get(const struct un_mount *m, unsigned long seq,
		      uint64_t stamp, const char *part, size_t len,
		      uint64_t *mask, uint64_t *parentmask)
{
	struct dcache *c = dcache_now();

	if (!c || c->rel.m != m || c->rel.seq != seq ||
	    c->rel.stamp != stamp || c->rel.len != len ||
	    memcmp(c->rel.part, part, len))
		return -1;
	*mask = c->rel.mask;
	*parentmask = c->rel.pmask;
	return 0;
}

void un_dcache_rel_put(struct un_mount *m, unsigned long seq,
		       uint64_t stamp, const char *part, size_t len,
		       uint64_t mask, uint64_t parentmask,
		       const char *vpath, size_t vlen, int layer)
{
	struct dcache *c = dcache_mine();

	if (!c || len > sizeof(c->rel.part))
		return;
	c->rel.m = NULL;
	if (vlen < sizeof(c->rel.vpath)) {
		memcpy(c->rel.vpath, vpath, vlen);
		c->rel.vlen = vlen;
	} else {
		c->rel.vlen = 0;
	}
	c->rel.layer = layer;
	memcpy(c->rel.part, part, len);
	c->rel.len = len;
	c->rel.seq = seq;
	c->rel.stamp = stamp;
	c->rel.mask = mask;
	c->rel.pmask = parentmask;
	c->rel.m = m;
}

/*
 * The directory of the last relative part as un_dcache_rel_put kept it,
 * if that part is part (len bytes) at the cwd's count seq: its merged
 * path copied into buf (room for UN_DCACHE_DIR_MAX bytes and a '/'),
 * the union, and in d its length, the cwd's layer, the stamp it was
 * kept at and the directory's layers (the caller compares the stamp:
 * they stand while it does, as un_dcache_rel_get's).  NULL on a miss.
 */
struct un_mount *un_dcache_rel_dir(unsigned long seq, const char *part,
				   size_t len, char *buf, struct un_rel_dir *d)
{
	struct dcache *c = dcache_now();

	if (!c || !c->rel.m || c->rel.seq != seq || !c->rel.vlen ||
	    c->rel.len != len || memcmp(c->rel.part, part, len))
		return NULL;
	memcpy(buf, c->rel.vpath, c->rel.vlen);
	d->vlen = c->rel.vlen;
	d->layer = c->rel.layer;
	d->stamp = c->rel.stamp;
	d->mask = c->rel.mask;
	d->pmask = c->rel.pmask;
	return c->rel.m;
}

/*
 * un_dcache_rel_dir's answer where the memo holds another part of the
 * same cwd (at count seq): the memo's merged path is the cwd's and its
 * part, and the cwd's path is fixed while the count is, so part's
 * directory is the cwd's path and part, which the directory cache may
 * know.  On a hit the memo is put for part (at m's stamp before the
 * probe) and answered as un_dcache_rel_dir's; NULL otherwise.  part is
 * plain (the caller's test).  git status lstats "d/s", then "d/s/f"
 * and the rest of "d/s": each directory's first two names missed the
 * memo and took the walk from the cwd (bench/README.md "Session 15
 * (git)").
 */
struct un_mount *un_dcache_rel_near(unsigned long seq, const char *part,
				    size_t len, char *buf, struct un_rel_dir *d)
{
	struct dcache *c = dcache_now();
	struct dcache_ent *e;
	struct un_mount *m;
	size_t cl, dl;
	uint64_t now;

	if (!c || !(m = c->rel.m) || c->rel.seq != seq ||
	    c->rel.vlen <= c->rel.len || len > sizeof(c->rel.part))
		return NULL;
	/* The cwd's path: the memo's less "/part" ("/" less "part"). */
	cl = c->rel.vlen - c->rel.len;
	if (cl > 1)
		cl--;
	dl = cl + (cl > 1) + len;
	if (dl >= sizeof(c->rel.vpath))
		return NULL;
	memcpy(buf, c->rel.vpath, cl);
	if (cl > 1)
		buf[cl] = '/';
	memcpy(buf + dl - len, part, len);
	now = stamp_of(m);
	if (!(e = ent_find(c, m, buf, dl)))
		return NULL;
	/* (As un_dcache_rel_put: the cwd's layer is the count's.) */
	memcpy(c->rel.vpath + cl, buf + cl, dl - cl);
	c->rel.vlen = dl;
	memcpy(c->rel.part, part, len);
	c->rel.len = len;
	c->rel.stamp = now;
	c->rel.mask = e->mask;
	c->rel.pmask = e->parentmask;
	d->vlen = dl;
	d->layer = c->rel.layer;
	d->stamp = now;
	d->mask = e->mask;
	d->pmask = e->parentmask;
	return m;
}

/*
 * Is this thread's memo of the cwd's layers or of its last relative
 * part's (above) one put at the cwd's change count seq?  namei.c's
 * lookup_near asks it before it reads the cwd: a process whose cwd
 * lies outside every union never has one, and pays no second read.
 */
bool un_dcache_near(unsigned long seq)
{
	struct dcache *c = dcache_now();

	return c && ((c->rel.m && c->rel.seq == seq) ||
		     (c->cwd.m && c->cwd.seq == seq));
}

/*
 * The way of h's set for vpath (len bytes) of m: the one that holds it
 * already (never two of one path: un_dcache_get takes the first), else
 * a free one, a stale one of m, or the least recently used.
 */
static struct dcache_ent *put_way(struct dcache *c, struct un_mount *m,
				  const char *vpath, size_t len, uint64_t h)
{
	struct dcache_ent *set = set_of(c, h), *victim = NULL;
	uint64_t now = stamp_of(m);
	uint32_t age = 0;
	int rank = 4;	/* of victim: 0 free, 1 stale, 2 used, 3 not yet */

	for (int i = 0; i < DCACHE_WAYS; i++) {
		struct dcache_ent *e = &set[i];
		uint32_t a;
		int r;

		if (e->hash == h && ent_is(e, m, vpath, len))
			return e;
		if (!e->m || !e->vpath) {
			r = 0;
			a = 0;
		} else if (e->m == m && !ent_valid(c, e, m, now)) {
			r = 1;
			a = 0;
		} else if (e->hit || c->puts - e->born >= DCACHE_SIZE) {
			r = 2;
			a = c->tick - e->used;
		} else {
			r = 3;
			a = c->puts - e->born;
		}
		if (r < rank || (r == rank && a > age)) {
			victim = e;
			rank = r;
			age = a;
		}
	}
	return victim;
}

/* un_dcache_put: the entry put (or found the same), or NULL. */
static __attribute__((noinline)) struct dcache_ent *
put_ent(struct un_mount *m, const char *vpath, size_t len, uint64_t mask,
	uint64_t parentmask, uint64_t stamp)
{
	struct dcache *c;
	struct dcache_ent *e;
	const char *slash;
	unsigned ps, si;
	uint64_t h;

	if (un_in_signal())
		return NULL;
	c = dcache_mine();
	if (!c)
		return NULL;
	/* Stale already (a directory changed during the walk): it could
	   never be valid, and the run's stamp must not be given to it. */
	if (stamp != stamp_of(m))
		return NULL;
	/* The same answer already there, valid at this stamp: find's fts
	   stats each directory twice after its parent's listing put it
	   (put_subdirs), the second time just after its open's lookup hit
	   it (the last hit, tried before any hash); only its use is new.
	   (Its parent's slot is the one this put would give it: the same
	   path.) */
	e = c->last;
	if (e && ent_is(e, m, vpath, len)) {
		h = e->hash;
	} else {
		h = un_name_hash(vpath, len);
		e = set_of(c, h);
		if (set_put(c, h))
			e = put_way(c, m, vpath, len, h);
		else
			/* The set's first put: its ways zeroed (free), the
			   first taken, written before anything of the page
			   is read (one fault, not a read's and then a
			   write's). */
			memset(e, 0, DCACHE_WAYS * sizeof(*e));
	}
	si = (unsigned)(e - c->ent) / DCACHE_WAYS;
	if (ent_is(e, m, vpath, len) && e->mask == mask &&
	    e->parentmask == parentmask && ent_valid(c, e, m, stamp)) {
		e->used = ++c->tick;
		return e;
	}
	if (m == c->run_m && stamp == c->run_now)
		stamp = c->run_base;
	slash = memrchr(vpath, '/', len);
	ps = dirgen_slot(un_name_hash(vpath, slash ? (size_t)(slash - vpath)
						  : 0));
	if (!e->vpath || e->len < len) {
		char *fresh = malloc(len + 1);

		if (!fresh)
			return NULL;
		free(e->vpath);
		e->vpath = fresh;
	}
	memcpy(e->vpath, vpath, len);
	e->vpath[len] = '\0';
	e->len = len;
	e->hash = h;
	e->m = m;
	e->mask = mask;
	e->parentmask = parentmask;
	e->oino = 0;
	e->stamp = stamp;
	e->used = ++c->tick;
	e->born = ++c->puts;
	e->hit = false;
	e->pslot = (uint16_t)ps;
	e->pgen = c->dirgen[ps];
	c->sets_put |= 1u << si;
	return e;
}

void un_dcache_put(struct un_mount *m, const char *vpath, size_t len,
		   uint64_t mask, uint64_t parentmask, uint64_t stamp)
{
	put_ent(m, vpath, len, mask, parentmask, stamp);
}

void un_dcache_put_origin(struct un_mount *m, const char *vpath, size_t len,
			  uint64_t mask, uint64_t parentmask, uint64_t stamp,
			  dev_t dev, ino_t ino)
{
	struct dcache_ent *e = put_ent(m, vpath, len, mask, parentmask, stamp);

	if (e) {
		e->odev = dev;
		e->oino = ino;
	}
}

void un_dcache_changed(struct un_mount *m)
{
	un_wtable_bump_dirs(m->wt);
}

/*
 * This thread copied the directory vpath up.  Every other thread and
 * process must drop what it knows (the count of directory changes goes
 * up), but this one knows what changed: vpath gained the upper layer
 * (bit 0), and the entries of its children hold vpath's old layers as
 * their parent's; every other entry that was valid just before the
 * change is still right, and is carried over to the new stamp.  tar x
 * into lower directories copies one up for every other file it writes,
 * and walked each path again from the union's root after each.
 *
 * Carried without a loop over the cache (tar x's 496 copies cost ~75,000
 * memcmp so): the run of this thread's own copies (struct dcache's
 * run_base, run_now) moves on when the copy follows the run's last
 * stamp, else a run starts at the stamp before it; vpath's entry, found
 * by its hash, gains the upper; its children are dropped by their
 * parent's slot in dirgen.
 *
 * The copy is an empty directory, so the upper's names of vpath are
 * known too: none.  Unless another process (or thread) made a name in
 * the upper between the rename that put the copy in place and the two
 * bumps after it (it could make one in the copy): names0, read before
 * the rename, is the count our own names bump must have found, and our
 * dirs bump the next after it.  Any change after the bumps moves the
 * counters past the stamp the set is put with.  rm -rf and tar x ask
 * for names in a directory they just had copied up (the file to remove
 * or write): without the set, an lstat of the upper's copy or a read of
 * it (un_dcache_upper_missed).
 */
void un_dcache_dir_copied(struct un_mount *m, const char *vpath, size_t vlen,
			  uint64_t names0, uint64_t names_bumped)
{
	struct dcache *c = dcache_now();
	struct dcache_ent *set;
	uint64_t before, after, h;

	if (!un_wtable_bump_dirs_own(m->wt, &before, &after) || !c)
		return;
	/* Without the counts the children cannot be dropped: the run is
	   not carried on, and every entry goes stale with the stamp. */
	if (c->dirgen == dirgen_zero) {
		uint32_t *own = calloc(DIRGENS, sizeof(*own));

		if (!own)
			return;
		c->dirgen = own;
	}
	if (names_bumped == names0 && names0 != ~(uint64_t)0 &&
	    vlen > m->merged_len) {
		/* vpath is MERGED/rel (a MERGED of "/": "/rel"). */
		const char *rel = vpath + (m->merged_len == 1 ? 1 :
					   m->merged_len + 1);
		uint64_t *none = malloc(sizeof(*none));

		if (none)
			un_dcache_put_names(m, rel, none, 0,
					    names_stamp_make(names0 + 1, after));
	}
	h = un_name_hash(vpath, vlen);
	set = set_of(c, h);
	/* (Valid before the copy: valid after it, below.) */
	for (int i = 0; i < DCACHE_WAYS && set_put(c, h); i++)
		if (set[i].hash == h && ent_is(&set[i], m, vpath, vlen) &&
		    ent_valid(c, &set[i], m, before)) {
			set[i].mask |= 1;
			break;
		}
	c->dirgen[dirgen_slot(h)]++;
	if (c->run_m != m || c->run_now != before) {
		/* (Entries of another run, or of a run another change
		   ended, were not valid before: they stay so.) */
		c->run_m = m;
		c->run_base = before;
	}
	c->run_now = after;
}

/* ---- the upper's names ---- */

/* Valid while no name was made in the upper, nor a directory changed. */
static uint64_t names_stamp(struct un_mount *m)
{
	return names_stamp_make(un_wtable_names(m->wt), stamp_of(m));
}

uint64_t un_dcache_names_stamp(struct un_mount *m)
{
	return names_stamp(m);
}


static unsigned set_slot(const char *rel, size_t len)
{
	uint64_t h = un_name_hash(rel, len);

	return (unsigned)(h ^ (h >> 29)) & (NSETS - 1);
}

/* The name set of slot i, if it was ever put (else not zeroed yet). */
static struct nset *set_named(struct dcache *c, unsigned i)
{
	return (c->sets_named[i / 64] & ((uint64_t)1 << (i % 64))) ?
		       &c->set[i] : NULL;
}

static int cmp_hash(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Takes hashes (malloc'ed) over, sorting them. */
void un_dcache_put_names(struct un_mount *m, const char *rel,
			 uint64_t *hashes, size_t n, uint64_t stamp)
{
	struct dcache *c = dcache_mine();
	struct nset *e;
	unsigned slot;

	/* Without a table there is no counter to tell a change by. */
	if (!c || !m->wt) {
		free(hashes);
		return;
	}
	qsort(hashes, n, sizeof(*hashes), cmp_hash);
	slot = set_slot(rel, strlen(rel));
	e = set_named(c, slot);
	if (!e) {
		e = &c->set[slot];
		memset(e, 0, sizeof(*e));
		c->sets_named[slot / 64] |= (uint64_t)1 << (slot % 64);
	}
	if (dslot_put(&e->s, m, rel, hashes, n)) {
		e->stamp = stamp;
		c->any_set = true;
	}
}

bool un_dcache_upper_lacks(struct un_mount *m, const char *rel,
			   size_t rel_len, uint64_t *nstamp)
{
	*nstamp = names_stamp(m);
	return un_dcache_upper_lacks_at(m, rel, rel_len, *nstamp);
}

bool un_dcache_upper_lacks_at(struct un_mount *m, const char *rel,
			      size_t rel_len, uint64_t nstamp)
{
	struct dcache *c = dcache_now();
	const char *name = rel + rel_len;
	size_t plen, lo, hi;
	const uint64_t *hash;
	struct nset *e;
	uint64_t h;

	if (!c)
		return false;
	/* The last name missed (the stamp first: it differs from the
	   lookup's more often than the path does). */
	if (c->umiss.stamp == nstamp && c->umiss.m == m &&
	    c->umiss.len == rel_len && rel_len &&
	    !memcmp(c->umiss.rel, rel, rel_len) &&
	    c->umiss.cred == un_cred_stamp())
		return true;
	if (!c->any_set)
		return false;
	/* (memrchr: a byte at a time cost ~1.5 instructions a byte.) */
	if (rel_len && (name = memrchr(rel, '/', rel_len)) != NULL)
		name++;
	else
		name = rel;
	plen = name > rel ? (size_t)(name - rel - 1) : 0;
	/* The set of the last answer first (git status asks ~15 names of
	   a directory in a row): the directory's path compared, not
	   hashed.  A hint only: a set that holds this directory is the
	   one its hash picks. */
	e = c->set_last;
	if (!e || !dslot_is(&e->s, m, rel, plen)) {
		e = set_named(c, set_slot(rel, plen));
		if (!e || !dslot_is(&e->s, m, rel, plen))
			return false;
		c->set_last = e;
	}
	if (e->stamp != nstamp)
		return false;
	h = un_name_hash(name, rel_len - (size_t)(name - rel));
	hash = e->s.data;
	for (lo = 0, hi = e->s.n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (hash[mid] == h)
			return false;
		if (hash[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return true;
}

/* ---- emptiness from a listing ---- */

/*
 * A stream of the lower directory rel, which layer alone made up, was
 * read to its end: names holds its getdents records (len bytes, taken
 * over), each name it showed and each that only a record of the table
 * hid with its d_ino, the others with d_ino 0 (readdir.c low_take).
 * What a lower shows never changes (the kernel's documentation
 * calls a change of a lower under a mount undefined), so this stays
 * the lower part of rel for as long as that layer alone makes it up
 * below the upper.
 */
void un_dcache_put_lower(struct un_mount *m, const char *rel, int layer,
			 char *names, size_t len)
{
	struct dcache *c = dcache_mine();
	size_t rl = strlen(rel);
	struct lowlist *l;

	if (!c || !m->wt) {
		free(names);
		return;
	}
	for (l = c->low; l < c->low + NLOWLISTS; l++)
		if (dslot_is(&l->s, m, rel, rl))
			break;
	if (l == c->low + NLOWLISTS)
		l = &c->low[c->low_next++ % NLOWLISTS];
	if (dslot_put(&l->s, m, rel, names, len))
		l->layer = layer;
}

/*
 * Is the merged directory rel (made up of dirlayers) empty, as far as
 * this thread knows without reading it?  rm -rf lists a directory, then
 * removes every name in it, then the directory, whose emptiness check
 * would read every layer again (~12 system calls).  True only when:
 *  - its lower part is one layer, the one this thread listed to its end
 *    (un_dcache_put_lower), and every name that listing held is now
 *    whited out in the table (which is current: no system call);
 *  - its upper part, if any, has no name: the set of its upper names
 *    (a thread's own copy-up puts an empty one) is empty and still
 *    valid, no name having been made in any directory of the upper, by
 *    any process, since.
 * Otherwise (false) the caller reads the layers.
 */
bool un_dcache_known_empty(struct un_mount *m, const char *rel,
			   uint64_t dirlayers)
{
	struct dcache *c = dcache_now();
	size_t rl = strlen(rel);
	struct lowlist *l;
	char buf[PATH_MAX];	/* (longer: read, as before) */

	if (!c || !m->wt || !*rel)
		return false;
	for (l = c->low; l < c->low + NLOWLISTS; l++)
		if (dslot_is(&l->s, m, rel, rl))
			break;
	if (l == c->low + NLOWLISTS ||
	    (dirlayers & ~(uint64_t)1) != (uint64_t)1 << l->layer)
		return false;
	if (dirlayers & 1) {
		struct nset *e = set_named(c, set_slot(rel, rl));

		if (!e || !dslot_is(&e->s, m, rel, rl) ||
		    e->stamp != names_stamp(m) || e->s.n != 0)
			return false;
	}
	for (size_t off = 0; off < l->s.n;) {
		const struct dirent64 *e =
			(const struct dirent64 *)((const char *)l->s.data + off);
		const char *name = e->d_name;
		size_t nl;

		if (!e->d_reclen)
			return false;	/* (never the kernel's) */
		off += e->d_reclen;
		if (!e->d_ino ||
		    (name[0] == '.' &&
		     (!name[1] || (name[1] == '.' && !name[2]))))
			continue;
		nl = strlen(name);
		if (rl + 1 + nl >= sizeof(buf))
			return false;
		memcpy(buf, rel, rl);
		buf[rl] = '/';
		memcpy(buf + rl + 1, name, nl + 1);
		if (un_wtable_get(m->wt, buf, rl + 1 + nl) != UN_W_WHITEOUT)
			return false;
	}
	return true;
}

void un_dcache_names_changed(struct un_mount *m)
{
	un_wtable_bump_names(m->wt);
}

uint64_t un_dcache_names_count(struct un_mount *m)
{
	return un_wtable_names(m->wt);
}

uint64_t un_dcache_names_changed_own(struct un_mount *m)
{
	return un_wtable_bump_names_own(m->wt);
}

/*
 * Read the names of m's upper directory rel (plen bytes) into a set,
 * for lookups that were not preceded by a listing (git status lstats
 * every file of its index).
 */
static void learn_upper(struct un_mount *m, const char *rel, size_t plen)
{
	char dir[PATH_MAX], relz[PATH_MAX];
	uint64_t stamp = names_stamp(m), *hash, *grown;
	size_t n = 0, cap = 64;
	char *buf;
	long got;
	int fd;

	if (plen >= sizeof(relz))
		return;
	memcpy(relz, rel, plen);
	relz[plen] = '\0';
	if (un_path_join(dir, sizeof(dir), m->upper, m->upper_len, relz) < 0)
		return;
	hash = malloc(cap * sizeof(*hash));
	buf = malloc(LEARN_BUF);
	if (!hash || !buf)
		goto out_free;
	/* (getdents64 itself: opendir's fstat is not needed.) */
	fd = real_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto out_free;
	while ((got = real_syscall(SYS_getdents64, fd, buf, LEARN_BUF)) > 0) {
		off64_t last = 0;

		for (long pos = 0; pos < got;) {
			struct dirent64 *e = (struct dirent64 *)(buf + pos);

			pos += e->d_reclen;
			last = e->d_off;
			if (n == cap) {
				grown = realloc(hash, 2 * cap * sizeof(*hash));
				if (!grown) {
					real_close(fd);
					goto out_free;
				}
				hash = grown;
				cap *= 2;
			}
			hash[n++] = un_name_hash(e->d_name, strlen(e->d_name));
		}
		/* (The file system's end mark: no read answering 0.) */
		if (un_dents_end(m, 0, last))
			break;
	}
	real_close(fd);
	if (got < 0)
		goto out_free;
	free(buf);
	un_dcache_put_names(m, relz, hash, n, stamp);
	return;

out_free:
	free(buf);
	free(hash);
}

void un_dcache_upper_missed(struct un_mount *m, const char *rel,
			    size_t rel_len, uint64_t nstamp, bool keep)
{
	struct dcache *c = dcache_mine();
	const char *name = rel + rel_len;
	size_t plen;
	uint64_t h;

	if (!c || !m->upper || !m->wt)
		return;
	/* (Longer paths: not remembered, their lstat made each time.) */
	if (keep && rel_len <= sizeof(c->umiss.rel) &&
	    (c->umiss.cred = un_cred_stamp()) != 0) {
		c->umiss.m = m;
		c->umiss.stamp = nstamp;
		c->umiss.len = rel_len;
		memcpy(c->umiss.rel, rel, rel_len);
	}
	while (name > rel && name[-1] != '/')
		name--;
	plen = name > rel ? (size_t)(name - rel - 1) : 0;
	h = un_name_hash(rel, plen);
	if (c->miss_m != m || c->miss_dir != h) {
		c->miss_m = m;
		c->miss_dir = h;
		c->misses = 0;
		c->miss_name = 0;
	}
	/* The same name again says nothing of the names to come: a
	   compiler's cc1 misses "x.c.gch" then "x.c" twice, its as "x.o"
	   twice, and each listed the upper directory of a make's 200
	   objects (bench/README.md "Session 12 (make)"). */
	h = un_name_hash(name, (size_t)(rel + rel_len - name));
	if (c->misses && h == c->miss_name)
		return;
	c->miss_name = h;
	/* The third name missed in one directory: more are likely to
	   follow. */
	if (++c->misses == 3)
		learn_upper(m, rel, plen);
}

/* ---- the last file looked up ---- */

/*
 * Programs look one name up several times in a row: a stat then an open
 * (tar, cp, grep -r), a statx then two getxattr (ls -l).  The last
 * non-directory a lookup found is remembered, with the layers of its
 * parent, and a lookup that needs only its place and type (UN_LK_NOSTAT:
 * an open for reading, getxattr, listxattr) takes it without a stat
 * while it is still good:
 *
 *  - a lower object stays what it was while the lowers do not change
 *    (they never do) and no name is made in the upper (a copy-up, a
 *    create, a rename: the names counter, every process's);
 *  - no directory of the union changed (the stamp in the same counter);
 *  - the table does not white the name out (looked at on each use: an
 *    unlink of an upper name over a lower one records a whiteout);
 *  - an upper object removed (by any process) with no record, a name no
 *    lower has, changes nothing counted: so an upper object is taken
 *    only by a caller whose one real call on it answers ENOENT itself
 *    (UN_LK_REALONLY: getxattr, listxattr), for a regular file named
 *    without a trailing slash (whose type decides nothing: a stale one
 *    made `open("a/")` ENOTDIR where the kernel says ENOENT); put back
 *    at that name, it is a name made, counted.
 *
 * Its st is the lstat of that lookup, good for the type and the mode,
 * not for the times (a read moves atime): stat never uses it.
 */
/* Room in the memo for a path of vlen bytes; false (the memo left
   invalid) when there is none.  (Out of line: the memo's put keeps its
   frame small.) */
static __attribute__((noinline, cold)) bool memo_grow(struct memo *e,
						      size_t vlen)
{
	free(e->vpath);
	e->vcap = vlen + 64;
	e->vpath = malloc(e->vcap);
	if (!e->vpath) {
		e->vcap = 0;
		return false;
	}
	return true;
}

void un_dcache_memo_put(struct un_mount *m, const char *vpath, size_t vlen,
			uint64_t dirmask, int layer, const struct stat *st,
			uint64_t stamp)
{
	struct dcache *c = dcache_mine();
	struct memo *e;

	if (!c || !m->wt)
		return;
	e = &c->memo;
	e->m = NULL;
	/* The fields first, the path's copy last but for m (which makes
	   the memo valid): only e and m live across memcpy's call, not
	   the six arguments in six saved registers (~9 instructions a
	   stat of a lower file). */
	e->vlen = vlen;
	e->dirmask = dirmask;
	e->layer = layer;
	e->st = *st;
	e->stamp = stamp;
	if (e->vcap <= vlen && !memo_grow(e, vlen))
		return;
	memcpy(e->vpath, vpath, vlen);
	e->m = m;
}

int un_dcache_memo_get(struct un_mount *m, const char *vpath, size_t vlen,
		       uint64_t dirmask, const char *rel, size_t rel_len,
		       int *layer, struct stat *st, char *real, size_t size,
		       uint64_t nstamp)
{
	struct dcache *c = dcache_now();
	struct memo *e;
	size_t root_len;

	if (!c)
		return -1;
	e = &c->memo;
	if (e->m != m || e->vlen != vlen || e->dirmask != dirmask ||
	    memcmp(e->vpath, vpath, vlen) || e->stamp != nstamp ||
	    un_wtable_get(m->wt, rel, rel_len) != UN_W_NONE)
		return -1;
	/* The real path is the layer's root and rel, as the lookup that
	   put it joined them (~60 instructions a stat not to keep a copy;
	   rel's length known: no strlen, tar's open of every file). */
	root_len = un_layer_len(m, e->layer);
	if (root_len + 1 + rel_len >= size)
		return -1;
	memcpy(real, un_layer_root(m, e->layer), root_len);
	if (rel_len) {
		real[root_len++] = '/';
		memcpy(real + root_len, rel, rel_len);
	}
	real[root_len + rel_len] = '\0';
	*layer = e->layer;
	*st = e->st;
	return 0;
}
