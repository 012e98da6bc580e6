/*
 * fuzz_config.c - the UNION_LAYERS parser, un_config_parse() with
 * check_dirs false, against a model of DESIGN.md's grammar:
 *
 *   UNION_LAYERS := mount (';' mount)*
 *   mount        := MERGED '=' [UPPER] ':' LOWER (':' LOWER)*
 *
 * '\' escapes '\', ':', ';' or '=' (anything else after it is refused),
 * and those four appear in a path only escaped; MERGED ends at the first
 * unescaped '=' (or ';'), a layer at the first unescaped ':' or ';', and
 * any other unescaped one of them is refused.
 * Paths must be absolute, are normalised lexically (repeated '/', '.'
 * and a trailing '/' dropped) and must not name '..'.  At most
 * UN_MAX_LOWERS lowers; a MERGED may not be given twice.
 *
 * For every input (cut at its first NUL, as an environment value is):
 *  - the parser and the model agree on accept or refuse;
 *  - refused: a non-empty reason, free of newlines and other control
 *    bytes (it is printed as one line), and a zeroed config;
 *  - accepted: the same mounts as the model, every path absolute and
 *    normalised, lengths right, the mounts sorted longest MERGED first;
 *    and writing the config back out with escapes parses to the same.
 */
#include <stdbool.h>
#include <string.h>

#include "internal.h"
#include "fuzz.h"

struct model_mount {
	char *merged;
	char *upper;		/* NULL: read-only */
	int nlower;
	char *lower[UN_MAX_LOWERS];
};

struct model {
	int n;
	struct model_mount m[64];
};

static void model_free(struct model *md)
{
	for (int i = 0; i < md->n; i++) {
		free(md->m[i].merged);
		free(md->m[i].upper);
		for (int j = 0; j < md->m[i].nlower; j++)
			free(md->m[i].lower[j]);
	}
	md->n = 0;
}

/*
 * Read one path from *sp up to an unescaped byte of stops; *end gets
 * that byte (or 0).  Returns NULL on a '\' with nothing after it or with
 * a byte it does not escape after it, and on an unescaped special byte
 * that is not one of stops.
 */
static char *model_field(const char **sp, const char *stops, char *end)
{
	const char *s = *sp;
	char *out = malloc(strlen(s) + 1), *w = out;

	while (*s && !strchr(stops, *s)) {
		if ((*s == '\\' && (!s[1] || !strchr("\\:;=", s[1]))) ||
		    (*s != '\\' && strchr(":;=", *s))) {
			free(out);
			return NULL;
		}
		if (*s == '\\')
			s++;
		*w++ = *s++;
	}
	*w = '\0';
	*end = *s;
	*sp = *s ? s + 1 : s;
	return out;
}

/* The lexical normal form of an absolute path, in a new string; NULL
   when p is relative or has a '..' component. */
static char *model_normal(const char *p)
{
	char *out = malloc(strlen(p) + 2);
	size_t w = 0;

	if (p[0] != '/') {
		free(out);
		return NULL;
	}
	for (const char *c = p; *c;) {
		size_t len = strcspn(c, "/");

		if (len == 2 && !strncmp(c, "..", 2)) {
			free(out);
			return NULL;
		}
		if (len && !(len == 1 && *c == '.')) {
			out[w++] = '/';
			memcpy(out + w, c, len);
			w += len;
		}
		c += len;
		if (*c == '/')
			c++;
	}
	if (!w)
		out[w++] = '/';
	out[w] = '\0';
	return out;
}

/* A path field normalised in place; false when it is not acceptable. */
static bool model_path(char **p)
{
	char *n = model_normal(*p);

	free(*p);
	*p = n;
	return n != NULL;
}

/* 0 when the model accepts s, -1 when it refuses. */
static int model_parse(const char *s, struct model *md)
{
	char end = ';';

	md->n = 0;
	if (!*s)
		return 0;
	while (end == ';') {
		struct model_mount *m;
		char *f;

		if (md->n == 64)
			return -1;	/* not reached: the input is short */
		m = &md->m[md->n++];
		memset(m, 0, sizeof(*m));
		m->merged = model_field(&s, "=;", &end);
		if (!m->merged || !*m->merged || end != '=' ||
		    !model_path(&m->merged))
			return -1;
		f = model_field(&s, ":;", &end);
		if (!f)
			return -1;
		if (*f) {
			m->upper = f;
			if (!model_path(&m->upper))
				return -1;
		} else {
			free(f);
		}
		if (end != ':')
			return -1;
		do {
			f = model_field(&s, ":;", &end);
			if (!f)
				return -1;
			if (!*f || m->nlower == UN_MAX_LOWERS) {
				free(f);
				return -1;
			}
			m->lower[m->nlower++] = f;
			if (!model_path(&m->lower[m->nlower - 1])) {
				m->nlower--;
				return -1;
			}
		} while (end == ':');
		/* "...;" with nothing after it is an empty mount. */
		if (end == ';' && !*s)
			return -1;
	}
	for (int i = 0; i < md->n; i++)
		for (int j = i + 1; j < md->n; j++)
			if (!strcmp(md->m[i].merged, md->m[j].merged))
				return -1;
	return 0;
}

static bool is_normal(const char *p, size_t len)
{
	char *n;
	bool same;

	if (!p || strlen(p) != len)
		return false;
	n = model_normal(p);
	same = n && !strcmp(n, p);
	free(n);
	return same;
}

static bool streq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_mount(const struct un_mount *a, const struct un_mount *b)
{
	if (strcmp(a->merged, b->merged) || !streq_null(a->upper, b->upper) ||
	    a->nlower != b->nlower)
		return false;
	for (int i = 0; i < a->nlower; i++)
		if (strcmp(a->lower[i], b->lower[i]))
			return false;
	return true;
}

/* Append p with every delimiter and '\' escaped. */
static char *put_escaped(char *w, const char *p)
{
	for (; *p; p++) {
		if (strchr("\\:;=", *p))
			*w++ = '\\';
		*w++ = *p;
	}
	return w;
}

/* The config written back out as a UNION_LAYERS value. */
static char *unparse(const struct un_config *cfg)
{
	size_t cap = 1;
	char *out, *w;

	for (int i = 0; i < cfg->nmount; i++) {
		const struct un_mount *m = &cfg->mount[i];

		cap += 2 * m->merged_len + 3 +
		       (m->upper ? 2 * m->upper_len : 0);
		for (int j = 0; j < m->nlower; j++)
			cap += 2 * m->lower_len[j] + 1;
	}
	out = w = malloc(cap);
	for (int i = 0; i < cfg->nmount; i++) {
		const struct un_mount *m = &cfg->mount[i];

		if (i)
			*w++ = ';';
		w = put_escaped(w, m->merged);
		*w++ = '=';
		if (m->upper)
			w = put_escaped(w, m->upper);
		for (int j = 0; j < m->nlower; j++) {
			*w++ = ':';
			w = put_escaped(w, m->lower[j]);
		}
	}
	*w = '\0';
	return out;
}

static void check_accepted(const char *value, const struct un_config *cfg,
			   const struct model *md)
{
	FUZZ_CHECK(cfg->nmount == md->n, "'%s': %d mounts, the model %d",
		   value, cfg->nmount, md->n);
	for (int i = 0; i < cfg->nmount; i++) {
		const struct un_mount *m = &cfg->mount[i];

		FUZZ_CHECK(is_normal(m->merged, m->merged_len),
			   "'%s': merged '%s' (%zu) not normal", value,
			   m->merged, m->merged_len);
		FUZZ_CHECK(!m->upper || is_normal(m->upper, m->upper_len),
			   "'%s': upper '%s' not normal", value, m->upper);
		FUZZ_CHECK(m->nlower >= 1 && m->nlower <= UN_MAX_LOWERS,
			   "'%s': %d lowers", value, m->nlower);
		for (int j = 0; j < m->nlower; j++)
			FUZZ_CHECK(is_normal(m->lower[j], m->lower_len[j]),
				   "'%s': lower '%s' not normal", value,
				   m->lower[j]);
		FUZZ_CHECK(!m->wt, "'%s': a table opened", value);
		if (i)
			FUZZ_CHECK(m[-1].merged_len >= m->merged_len,
				   "'%s': mounts not longest first", value);
		/* The same mount in the model (the order there is the
		   input's). */
		int k;

		for (k = 0; k < md->n; k++)
			if (!strcmp(md->m[k].merged, m->merged))
				break;
		FUZZ_CHECK(k < md->n, "'%s': merged '%s' not in the model",
			   value, m->merged);
		FUZZ_CHECK(streq_null(md->m[k].upper, m->upper) &&
				   md->m[k].nlower == m->nlower,
			   "'%s': mount '%s' differs from the model (upper "
			   "'%s' vs '%s', %d vs %d lowers)",
			   value, m->merged, m->upper ? m->upper : "(none)",
			   md->m[k].upper ? md->m[k].upper : "(none)",
			   m->nlower, md->m[k].nlower);
		for (int j = 0; j < m->nlower; j++)
			FUZZ_CHECK(!strcmp(md->m[k].lower[j], m->lower[j]),
				   "'%s': lower %d '%s', the model '%s'",
				   value, j, m->lower[j], md->m[k].lower[j]);
	}
}

static void check_round_trip(const char *value, const struct un_config *cfg)
{
	struct un_config again;
	char err[256] = "";
	char *text = unparse(cfg);
	int rc = un_config_parse(text, &again, false, err, sizeof(err));

	FUZZ_CHECK(rc == 0, "'%s' written back as '%s' is refused: %s", value,
		   text, err);
	FUZZ_CHECK(again.nmount == cfg->nmount, "'%s' -> '%s': %d mounts",
		   value, text, again.nmount);
	for (int i = 0; i < cfg->nmount; i++)
		FUZZ_CHECK(same_mount(&cfg->mount[i], &again.mount[i]),
			   "'%s' -> '%s': mount %d differs", value, text, i);
	un_config_release(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct un_config cfg, zero;
	struct model md;
	char err[512];
	char *value;
	int rc, mrc;

	if (size > 4096)
		return 0;
	value = malloc(size + 1);
	memcpy(value, data, size);
	value[size] = '\0';

	memset(err, 0, sizeof(err));
	memset(&cfg, 0x5a, sizeof(cfg));
	rc = un_config_parse(value, &cfg, false, err, sizeof(err));
	mrc = model_parse(value, &md);
	FUZZ_CHECK(rc == 0 || rc == -1, "'%s': returned %d", value, rc);
	FUZZ_CHECK(rc == mrc, "'%s': the parser %s it, the model %s it%s%s",
		   value, rc ? "refuses" : "accepts",
		   mrc ? "refuses" : "accepts", rc ? ": " : "", err);
	if (rc) {
		memset(&zero, 0, sizeof(zero));
		FUZZ_CHECK(!memcmp(&cfg, &zero, sizeof(cfg)),
			   "'%s': config not zeroed on error", value);
		FUZZ_CHECK(err[0], "'%s': refused without a reason", value);
		for (const char *c = err; *c; c++)
			FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f,
				   "'%s': a control byte in the reason: %s",
				   value, err);
	} else {
		check_accepted(value, &cfg, &md);
		check_round_trip(value, &cfg);
	}
	un_config_release(&cfg);
	model_free(&md);
	free(value);
	return 0;
}
