/*
 * union.c - main of the `union` command: the subcommands.
 *
 *	union run [-l DIR]... [-u DIR] [-m PATH] [-k] [--] [CMD [ARG]...]
 *	union diff [--json] [-l DIR]... [-m PATH] UPPER
 *	union export [-o FILE] [--gzip] [-l DIR]... [-m PATH] UPPER
 *	union commit [-l DIR]... UPPER
 *	union convert (--to-overlay | --from-overlay) [-l DIR]... UPPER
 *
 * Each subcommand is one file (run.c, diff.c, ...) with an entry point
 * un_cmd_<name>(argc, argv), argv[0] being the subcommand's name; this
 * file only picks it.  The exit status is the subcommand's: for `run`
 * the command's own (125 for run's failures), for the others 0 on
 * success, 1 on failure and 2 for a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "union.h"

static const char usage[] =
	"usage: union <command> [<args>]\n"
	"\n"
	"  run [-l DIR]... [-u DIR] [-m PATH] [-k] [--] [CMD [ARG]...]\n"
	"                    run CMD (or $SHELL) in a union of the lowers DIR\n"
	"                    (top first) and an upper (a temporary one by\n"
	"                    default), merged at PATH (by default over the\n"
	"                    first lower)\n"
	"  diff [--json] UPPER\n"
	"                    what UPPER changes: Added, Changed, Deleted\n"
	"  export [-o FILE] [--gzip] UPPER\n"
	"                    the changes as an OCI image layer (a tar stream)\n"
	"  commit UPPER      apply the changes to the top lower, empty UPPER\n"
	"  convert --to-overlay UPPER | --from-overlay UPPER\n"
	"                    the table to overlayfs's whiteouts, and back\n"
	"\n"
	"diff, export, commit and convert read the lowers and the merged path\n"
	"from UPPER/.union/layers (written by run), or take them from\n"
	"-l/--lower DIR (repeated) and -m/--merged PATH.  See union(1).\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", un_cmd_run },
	{ "diff", un_cmd_diff },
	{ "export", un_cmd_export },
	{ "commit", un_cmd_commit },
	{ "convert", un_cmd_convert },
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(usage, stderr);
		return UN_EXIT_USAGE;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("union (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	un_err("unknown command '%s' (see union --help)", cmd);
	return UN_EXIT_USAGE;
}
