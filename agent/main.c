// SPDX-License-Identifier: GPL-2.0-or-later
/* lvs-rs-agent: prepare LVS DR/TUN real servers, verify, and revert exactly. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "commands.h"
#include "exit.h"
#include "file.h"
#include "journal.h"
#include "prom.h"
#include "repairs.h"
#include "report.h"
#include "signal.h"
#include "../conf/conf.h"
#include "../lib/suggest.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lvs-rs-agent [OPTIONS] COMMAND\n"
		"Prepare this host as an LVS DR or TUN real server (VIPs, ARP suppression, tunnel\n"
		"device and rp_filter), check it, undo it.\n"
		"\n"
		"Commands:\n"
		"  apply          make the kernel match the config: idempotent, all or nothing\n"
		"  plan           print what apply would change; change nothing\n"
		"  verify         check the live kernel against the config\n"
		"  status         what the agent applied (its journal) and the live checks\n"
		"  revert         undo what apply changed, restoring the recorded prior values\n"
		"  forget         drop the journal, saying what it leaves in the kernel; change\n"
		"                 nothing else (a damaged journal, or one of a namespace gone)\n"
		"  check-config   parse and validate the config; touch nothing else\n"
		"  watch          apply, then stay: repair at once what another process undoes,\n"
		"                 saying which process; SIGHUP reloads the config, SIGTERM\n"
		"                 and SIGINT revert and end\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   config file, default %s\n"
		"                      (plus FILE.d/*.conf drop-ins, in lexical order)\n"
		"  -s, --state FILE    the journal, default %s (lock: FILE.lock)\n"
		"  -w, --wait SECONDS  how long to wait for another run's lock, 0 to 86400,\n"
		"                      default 10\n"
		"  -j, --json          one JSON document on stdout instead of text (schema %d:\n"
		"                      lvs-rs-agent(8)), usage errors included\n"
		"  -f, --force         revert: also with the journal damaged (the steps before the\n"
		"                      damage) or lost, and remove the objects that carry the\n"
		"                      agent's mark (nft table, anyip routes) but no journal step\n"
		"      --prometheus FILE\n"
		"                      verify, status: also write the checks as metrics for\n"
		"                      node_exporter's textfile collector to FILE (replaced\n"
		"                      atomically, mode 0644), whatever the result;\n"
		"                      watch: its repairs and contested objects, after each\n"
		"      --interval SECONDS\n"
		"                      watch: how often to read the sysctls the kernel sends\n"
		"                      no notification for (arp_ignore, arp_announce),\n"
		"                      0.05 to 3600, default 1\n"
		"      --backoff SECONDS\n"
		"                      watch: how long a contested object is left alone\n"
		"                      before it is tried again, 1 to 86400, default 30\n"
		"                      (doubling each time, to 300 at most)\n"
		"      --budget COUNT\n"
		"                      watch: repairs of one object within 60 s before it\n"
		"                      is contested, 0 to 1000, default 5 (0: never)\n"
		"      --detailed-exitcode\n"
		"                      plan: exit 5 when apply would change something, 0\n"
		"                      when there is nothing to do\n"
		"      --keep-on-config-error\n"
		"                      apply, revert, watch: with a present but broken config,\n"
		"                      keep what the last apply made and exit 0 (the units'\n"
		"                      start and stop, so a restart never drops the VIPs)\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n"
		"\n"
		"Exit codes: 0 done or nothing to do (verify/status: every check holds),\n"
		"1 a check fails, 2 usage or configuration error (nothing changed),\n"
		"3 runtime failure or interrupted by SIGTERM, SIGINT or SIGHUP (everything this\n"
		"run changed was rolled back),\n"
		"4 the rollback itself failed (the message lists what is left changed),\n"
		"5 plan --detailed-exitcode: changes pending.\n",
		CONF_DEFAULT_PATH, AGENT_STATE_PATH, AGENT_JSON_SCHEMA);
}

enum { OPT_PROMETHEUS = 0x100, OPT_DETAILED_EXITCODE, OPT_KEEP, OPT_INTERVAL, OPT_BACKOFF,
       OPT_BUDGET };

static const char *const commands[] = {
	"apply", "plan", "verify", "status", "revert", "forget", "check-config", "watch",
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "state", required_argument, NULL, 's' },
	{ "wait", required_argument, NULL, 'w' },
	{ "json", no_argument, NULL, 'j' },
	{ "force", no_argument, NULL, 'f' },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "detailed-exitcode", no_argument, NULL, OPT_DETAILED_EXITCODE },
	{ "keep-on-config-error", no_argument, NULL, OPT_KEEP },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "backoff", required_argument, NULL, OPT_BACKOFF },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{}
};

/* ':' first: a missing argument is told apart from an unknown option. */
#define OPTSTRING ":c:s:w:jfhV"

/* The options that go with some commands only, and which. */
static const struct {
	int val;
	const char *cmds[3];
} option_commands[] = {
	{ OPT_PROMETHEUS, { "verify", "status", "watch" } },
	{ OPT_INTERVAL, { "watch" } },
	{ OPT_BACKOFF, { "watch" } },
	{ OPT_BUDGET, { "watch" } },
	{ OPT_DETAILED_EXITCODE, { "plan" } },
	{ 'f', { "revert" } },
	{ OPT_KEEP, { "apply", "revert", "watch" } },
};

/*
 * The metrics go out whatever verify found, also when it could not check
 * (config error, kernel read failure: no check lines, success 0), so the
 * alert sees every outcome. A file that cannot be written is exit 3, unless
 * the run already failed with 2 or 3, which stays the cause to fix first.
 * The message goes into the JSON document; in text it follows the checks
 * and their summary, which it does not make any less true.
 */
static int write_prometheus(const char *path, struct report *r, int ret,
			    char *err, size_t errlen)
{
	int k = agent_prom_write(path, &r->checks, ret == AGENT_EXIT_OK, time(NULL));

	err[0] = '\0';
	if (k == 0)
		return ret;
	snprintf(err, errlen, "cannot write the metrics file %s: %s", path,
		 agent_file_strerror(k));
	if (r->json)
		report_error(r, "%s", err);
	return ret == AGENT_EXIT_OK || ret == AGENT_EXIT_CHECK ? AGENT_EXIT_RUNTIME : ret;
}

static int parse_seconds(const char *arg, double min, double max, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	/* strtod takes "nan" (which no comparison refuses: a wait without
	 * end), "inf" and "-0". */
	if (errno || end == arg || *end || !isfinite(v) || signbit(v) || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_count(const char *arg, unsigned int max, unsigned int *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !isdigit((unsigned char)*arg) || v > max)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

static bool is_command(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (STREQ(word, commands[i]))
			return true;
	return false;
}

static const struct option *option_of(int val)
{
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == val)
			return o;
	return NULL;
}

/* Whether word is an option's own spelling: "--json", "-j". */
static bool is_option_word(const char *word)
{
	if (word[0] != '-' || !word[1])
		return false;
	if (word[1] != '-')
		return !word[2] && word[1] != ':' && strchr(OPTSTRING, word[1]);
	for (const struct option *o = longopts; o->name; o++)
		if (STREQ(word + 2, o->name))
			return true;
	return false;
}

/*
 * A usage error: one line that says what is wrong and what to do instead.
 * It goes out as every error does (text: stderr; --json: the document too).
 */
_printf_(2, 3) static int usage_error(struct report *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_error(r, "%s", msg);
	return AGENT_EXIT_USAGE;
}

/* "--jsno", "--json=yes", "-x": which option was meant, if any. */
static int bad_option(struct report *r, const char *word)
{
	const char *names[ARRAY_SIZE(longopts)], *guess;
	char name[64];
	size_t n = 0;

	if (optopt && option_of(optopt))
		return usage_error(r, "--%s takes no value: write it alone, as --%s",
				   option_of(optopt)->name, option_of(optopt)->name);
	if (optopt)
		return usage_error(r, "unknown option \"-%c\" (--help lists the options)",
				   optopt);
	snprintf(name, sizeof(name), "%s", word + strspn(word, "-"));
	name[strcspn(name, "=")] = '\0';
	for (const struct option *o = longopts; o->name; o++)
		names[n++] = o->name;
	guess = suggest(name, names, n);
	if (guess)
		return usage_error(r, "unknown option \"%s\": did you mean --%s? "
				   "(--help lists the options)", word, guess);
	return usage_error(r, "unknown option \"%s\" (--help lists the options)",
			   word);
}

/* What an option's value is called in --help. */
static const char *value_name(int val)
{
	if (val == OPT_BUDGET)
		return "COUNT";
	return val == 'w' || val == OPT_INTERVAL || val == OPT_BACKOFF ? "SECONDS" : "FILE";
}

static int missing_argument(struct report *r, int val)
{
	const struct option *o = option_of(val);

	return usage_error(r, "--%s needs a value: --%s %s", o->name, o->name,
			   value_name(val));
}

/*
 * The words left after the options: one command. swallowed names an option
 * whose argument was a command's name ("-c apply"), the likely slip when
 * no command is left.
 */
static int check_command(struct report *r, char **words, int n,
			 const struct option *swallowed, const char *swallowed_word)
{
	const char *guess;

	if (n == 0 && swallowed)
		return usage_error(r, "no command given: --%s took \"%s\" as its %s "
				   "(write the %s right after it)", swallowed->name, swallowed_word,
				   value_name(swallowed->val), value_name(swallowed->val));
	if (n == 0)
		return usage_error(r, "no command given: add one such as apply or watch "
				   "(--help lists the commands)");
	if (!is_command(words[0])) {
		guess = suggest(words[0], commands, ARRAY_SIZE(commands));
		if (guess)
			return usage_error(r, "unknown command \"%s\": did you mean %s? "
					   "(--help lists the commands)", words[0], guess);
		return usage_error(r, "unknown command \"%s\" (--help lists the commands)",
				   words[0]);
	}
	if (n > 1 && is_command(words[1]))
		return usage_error(r, "one command at a time: %s and %s given (run one, then the other)",
				   words[0], words[1]);
	if (n > 1)
		return usage_error(r, "%s takes no argument, but \"%s\" follows it "
				   "(a file goes after -c or -s)", words[0], words[1]);
	return 0;
}

/* An option given with a command it does not go with. */
static int check_option_commands(struct report *r, const bool *given, const char *cmd)
{
	for (size_t i = 0; i < ARRAY_SIZE(option_commands); i++) {
		const char *const *c = option_commands[i].cmds;

		if (!given[i] || STREQ(cmd, c[0]) || (c[1] && STREQ(cmd, c[1])) ||
		    (c[2] && STREQ(cmd, c[2])))
			continue;
		return usage_error(r, "--%s goes with %s%s%s%s%s, not with %s: drop it%s",
				   option_of(option_commands[i].val)->name, c[0],
				   c[1] ? (c[2] ? ", " : " or ") : "", c[1] ? c[1] : "",
				   c[2] ? " or " : "", c[2] ? c[2] : "", cmd,
				   c[2] ? "" : " from this command");
	}
	return 0;
}

struct args {
	const char *cmd;
	const char *prom;
	bool detailed_exitcode;
	bool help, version;
};

/*
 * The command line into o and a. --json is looked for first, in a pass of
 * its own, so that a usage error found before it is JSON too. Returns 0 or
 * AGENT_EXIT_USAGE with the error in r (AGENT_EXIT_RUNTIME without memory).
 */
static int parse_args(int argc, char **argv, struct agent_opts *o, struct args *a,
		      struct report *r)
{
	bool given[ARRAY_SIZE(option_commands)] = { 0 };
	const struct option *swallowed = NULL;
	const char *swallowed_word = NULL;
	int c, ret;

	/* On a copy: getopt_long reorders the words it is given, and a
	 * missing value ("verify -c") would take the command when read again. */
	_cleanup_free_ char **copy = malloc((argc + 1) * sizeof(*copy));

	if (!copy) {
		report_error(r, "out of memory");
		return AGENT_EXIT_RUNTIME;
	}
	memcpy(copy, argv, (argc + 1) * sizeof(*copy));
	opterr = 0;
	while ((c = getopt_long(argc, copy, OPTSTRING, longopts, NULL)) != -1)
		if (c == 'j' || (c == '?' && optopt == 'j')) /* "--json=yes" too */
			o->json = true;
	/* The first word left is the command, for the document's "command". */
	if (optind < argc && is_command(copy[optind]))
		r->command = copy[optind];
	r->json = o->json;

	optind = 0; /* glibc: start again from scratch */
	while ((c = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		bool has_value = c == 'c' || c == 's' || c == 'w' || c == OPT_PROMETHEUS ||
				 c == OPT_INTERVAL || c == OPT_BACKOFF || c == OPT_BUDGET;

		for (size_t i = 0; i < ARRAY_SIZE(option_commands); i++)
			if (option_commands[i].val == c)
				given[i] = true;
		if (has_value && c != 'w' && c != OPT_INTERVAL && c != OPT_BACKOFF &&
		    c != OPT_BUDGET && !*optarg)
			return usage_error(r, "--%s needs a file name, not an empty word",
					   option_of(c)->name);
		/* "-c --json": getopt takes the next word, whatever it is. */
		if (has_value && is_option_word(optarg))
			return usage_error(r, "--%s took \"%s\" as its value: write its %s right after it",
					   option_of(c)->name, optarg, value_name(c));
		if (has_value && is_command(optarg)) {
			swallowed = option_of(c);
			swallowed_word = optarg;
		}
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'w':
			if (parse_seconds(optarg, 0, 86400, &o->wait) < 0)
				return usage_error(r, "--wait \"%s\": not a number of seconds from 0 to 86400",
						   optarg);
			break;
		case 'j':
			break;
		case 'f':
			o->force = true;
			break;
		case OPT_PROMETHEUS:
			a->prom = optarg;
			o->prom = optarg;
			break;
		case OPT_DETAILED_EXITCODE:
			a->detailed_exitcode = true;
			break;
		case OPT_KEEP:
			o->keep_on_config_error = true;
			break;
		case OPT_INTERVAL:
			if (parse_seconds(optarg, 0.05, 3600, &o->interval) < 0)
				return usage_error(r, "--interval \"%s\": not a number of seconds from 0.05 to 3600",
						   optarg);
			break;
		case OPT_BACKOFF:
			if (parse_seconds(optarg, 1, 86400, &o->backoff) < 0)
				return usage_error(r, "--backoff \"%s\": not a number of seconds from 1 to 86400",
						   optarg);
			break;
		case OPT_BUDGET:
			if (parse_count(optarg, REPAIR_BUDGET_MAX, &o->budget) < 0)
				return usage_error(r, "--budget \"%s\": not a whole number from 0 to %d",
						   optarg, REPAIR_BUDGET_MAX);
			break;
		case 'h':
			a->help = true;
			return 0;
		case 'V':
			a->version = true;
			return 0;
		case ':':
			return missing_argument(r, optopt);
		default:
			return bad_option(r, argv[optind - 1]);
		}
	}
	ret = check_command(r, argv + optind, argc - optind, swallowed, swallowed_word);
	if (ret)
		return ret;
	a->cmd = argv[optind];
	r->command = a->cmd;
	/* A watch runs for days and logs line by line: no one document. */
	if (o->json && STREQ(a->cmd, "watch"))
		return usage_error(r, "--json goes with every command but watch, which logs a line "
				   "per repair: drop it (status --json shows the watch)");
	return check_option_commands(r, given, a->cmd);
}

int main(int argc, char **argv)
{
	struct agent_opts o = {
		.config = CONF_DEFAULT_PATH,
		.state = AGENT_STATE_PATH,
		.wait = 10,
		.interval = 1,
		.backoff = 30,
		.budget = REPAIR_BUDGET,
	};
	struct report r = { 0 };
	struct journal j = { 0 };
	struct args a = { 0 };
	char prom_err[PATH_MAX + 128] = "";
	int ret;

	ret = parse_args(argc, argv, &o, &a, &r);
	if (ret)
		goto out;
	if (a.help) {
		usage(stdout);
		return AGENT_EXIT_OK;
	}
	if (a.version) {
		printf("lvs-rs-agent %s\n", VERSION);
		return AGENT_EXIT_OK;
	}

	/* Least privilege before anything else touches the system. */
	o.have_net_admin = agent_drop_privileges();

	/* apply and revert stop between kernel changes and roll back; the
	 * commands that change nothing end at once, as they always did; the
	 * watch reloads on SIGHUP. */
	if (STREQ(a.cmd, "apply") || STREQ(a.cmd, "revert") || STREQ(a.cmd, "watch")) {
		ret = STREQ(a.cmd, "watch") ? agent_catch_signals_reload() : agent_catch_signals();
		if (ret < 0) {
			report_error(&r, "cannot catch SIGTERM, SIGINT and SIGHUP: %s",
				     strerror(-ret));
			ret = AGENT_EXIT_RUNTIME;
			goto out;
		}
	}

	if (STREQ(a.cmd, "apply"))
		ret = agent_apply(&o, &r, false);
	else if (STREQ(a.cmd, "plan"))
		ret = agent_apply(&o, &r, true);
	else if (STREQ(a.cmd, "revert"))
		ret = agent_revert(&o, &r);
	else if (STREQ(a.cmd, "forget"))
		ret = agent_forget(&o, &r);
	else if (STREQ(a.cmd, "verify"))
		ret = agent_verify(&o, &r);
	else if (STREQ(a.cmd, "status"))
		ret = agent_status(&o, &r, &j);
	else if (STREQ(a.cmd, "watch"))
		ret = agent_watch(&o, &r);
	else
		ret = agent_check_config(&o, &r);

	/* Terraform's -detailed-exitcode: tools tell "changes pending" from
	 * "nothing to do" without reading the output. */
	if (a.detailed_exitcode && ret == AGENT_EXIT_OK && r.n_changes > 0)
		ret = AGENT_EXIT_PENDING;
	if (a.prom && !STREQ(a.cmd, "watch"))
		ret = write_prometheus(a.prom, &r, ret, prom_err, sizeof(prom_err));
out:
	if (o.json || (ret != AGENT_EXIT_USAGE && a.cmd))
		report_print(&r);
	report_print_errors(&r);
	if (prom_err[0] && (!o.json || r.error_printed))
		fprintf(stderr, "lvs-rs-agent: %s\n", prom_err);
	journal_done(&j);
	report_done(&r);
	return ret;
}
