/*
 * options.c - the command line of the commands that work on an UPPER.
 *
 * diff, export, commit and convert each take -l/--lower (repeated, top
 * first), -m/--merged, -h/--help and one operand, the upper, besides
 * options of their own; what they say about a wrong command line is the
 * same too, and most then open the changes of that upper.  (run takes a
 * command, not an upper, and parses its own.)
 */
#include <getopt.h>
#include <stdio.h>

#include "union.h"

int un_upper_args_parse(int argc, char **argv, const struct un_cmd_opts *cmd,
			void *arg, struct un_upper_args *a)
{
	int opt, status = -1;

	opterr = 0;
	while (status < 0 && (opt = getopt_long(argc, argv, cmd->shortopts,
						cmd->longopts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			un_strv_push(&a->lowers, optarg);
			break;
		case 'm':
			a->merged = optarg;
			break;
		case 'h':
			fputs(cmd->usage, stdout);
			status = 0;
			break;
		case ':':
		case '?':
			un_err("%s: %s option '%s'", cmd->name,
			       opt == ':' ? "missing argument of" : "unknown",
			       argv[optind - 1]);
			fputs(cmd->usage, stderr);
			status = UN_EXIT_USAGE;
			break;
		default:
			if (!cmd->opt || cmd->opt(opt, arg) < 0)
				status = UN_EXIT_USAGE;
			break;
		}
	}
	if (status < 0 && optind != argc - 1) {
		fputs(cmd->usage, stderr);
		status = UN_EXIT_USAGE;
	}
	if (status < 0)
		a->upper = argv[optind];
	if (status < 0 && cmd->check)
		status = cmd->check(arg);
	return status;
}

int un_upper_changes_open(int argc, char **argv,
			  const struct un_cmd_opts *cmd, void *arg,
			  struct un_changes *c)
{
	struct un_upper_args a = { 0 };
	int status = un_upper_args_parse(argc, argv, cmd, arg, &a);

	/* (Before the lock: the namespace's oracle must not hold it.) */
	if (status < 0 && cmd->userns && un_userns_enter() < 0)
		status = UN_EXIT_FAIL;
	if (status < 0 &&
	    un_changes_open(a.upper, &a.lowers, a.merged, c) < 0)
		status = UN_EXIT_FAIL;
	/* The upper locked before its walk reads a mode (lend.c). */
	if (status < 0 && un_lend_open(&c->lend, c->ly.upper) < 0) {
		un_changes_release(c);
		status = UN_EXIT_FAIL;
	}
	un_strv_release(&a.lowers);
	return status;
}
