// SPDX-License-Identifier: GPL-2.0-or-later
/* lvs-rs-agent: prepare LVS DR/TUN real servers, verify, and revert exactly. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "../conf/conf.h"

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
		"  check-config   parse and validate the config; touch nothing else\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   config file, default %s\n"
		"                      (plus FILE.d/*.conf drop-ins, in lexical order)\n"
		"  -s, --state FILE    the journal, default %s (lock: FILE.lock)\n"
		"  -w, --wait SECONDS  how long to wait for another run's lock, default 10\n"
		"  -j, --json          one JSON document on stdout instead of text\n"
		"      --prometheus FILE\n"
		"                      verify, status: also write the checks as metrics for\n"
		"                      node_exporter's textfile collector to FILE (replaced\n"
		"                      atomically, mode 0644), whatever the result\n"
		"      --keep-on-config-error\n"
		"                      apply, revert: with a present but broken config, keep\n"
		"                      what the last apply made and exit 0 (the unit's start\n"
		"                      and stop, so a restart never drops the VIPs)\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n"
		"\n"
		"Exit codes: 0 done or nothing to do (verify/status: every check holds),\n"
		"1 a check fails, 2 usage or configuration error (nothing changed),\n"
		"3 runtime failure (everything this run changed was rolled back),\n"
		"4 the rollback itself failed (the message lists what is left changed).\n",
		CONF_DEFAULT_PATH, AGENT_STATE_PATH);
}

enum { OPT_PROMETHEUS = 0x100, OPT_KEEP };

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
	snprintf(err, errlen, "cannot write the metrics file %s: %s", path, strerror(-k));
	if (r->json)
		report_error(r, "%s", err);
	return ret == AGENT_EXIT_OK || ret == AGENT_EXIT_CHECK ? AGENT_EXIT_RUNTIME : ret;
}

static int parse_wait(const char *arg, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < 0 || v > 86400)
		return -EINVAL;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
		{ "keep-on-config-error", no_argument, NULL, OPT_KEEP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct agent_opts o = {
		.config = CONF_DEFAULT_PATH,
		.state = AGENT_STATE_PATH,
		.wait = 10,
	};
	struct report r = { 0 };
	struct journal j = { 0 };
	const char *cmd, *prom = NULL;
	char prom_err[PATH_MAX + 128] = "";
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:s:w:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 's':
			o.state = optarg;
			break;
		case 'w':
			if (parse_wait(optarg, &o.wait) < 0) {
				fprintf(stderr, "lvs-rs-agent: --wait %s: not a number of seconds (0..86400)\n",
					optarg);
				return AGENT_EXIT_USAGE;
			}
			break;
		case 'j':
			o.json = true;
			break;
		case OPT_PROMETHEUS:
			if (!*optarg) {
				fprintf(stderr, "lvs-rs-agent: --prometheus needs a file name\n");
				return AGENT_EXIT_USAGE;
			}
			prom = optarg;
			break;
		case OPT_KEEP:
			o.keep_on_config_error = true;
			break;
		case 'h':
			usage(stdout);
			return AGENT_EXIT_OK;
		case 'V':
			printf("lvs-rs-agent %s\n", VERSION);
			return AGENT_EXIT_OK;
		default:
			usage(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "lvs-rs-agent: %s\n", optind >= argc ?
			"a command is needed (apply, plan, verify, status, revert, check-config)" :
			"one command only");
		usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	cmd = argv[optind];
	if (prom && strcmp(cmd, "verify") != 0 && strcmp(cmd, "status") != 0) {
		fprintf(stderr, "lvs-rs-agent: --prometheus goes with verify or status, not %s\n",
			cmd);
		return AGENT_EXIT_USAGE;
	}

	if (o.keep_on_config_error && strcmp(cmd, "apply") != 0 && strcmp(cmd, "revert") != 0) {
		fprintf(stderr, "lvs-rs-agent: --keep-on-config-error goes with apply or revert, not %s\n",
			cmd);
		return AGENT_EXIT_USAGE;
	}

	/* Least privilege before anything else touches the system. */
	o.have_net_admin = agent_drop_privileges();

	r.command = cmd;
	r.json = o.json;
	if (strcmp(cmd, "apply") == 0)
		ret = agent_apply(&o, &r, false);
	else if (strcmp(cmd, "plan") == 0)
		ret = agent_apply(&o, &r, true);
	else if (strcmp(cmd, "revert") == 0)
		ret = agent_revert(&o, &r);
	else if (strcmp(cmd, "verify") == 0)
		ret = agent_verify(&o, &r);
	else if (strcmp(cmd, "status") == 0)
		ret = agent_status(&o, &r, &j);
	else if (strcmp(cmd, "check-config") == 0)
		ret = agent_check_config(&o, &r);
	else {
		fprintf(stderr, "lvs-rs-agent: unknown command \"%s\"\n", cmd);
		usage(stderr);
		return AGENT_EXIT_USAGE;
	}

	if (prom)
		ret = write_prometheus(prom, &r, ret, prom_err, sizeof(prom_err));
	if (o.json || ret != AGENT_EXIT_USAGE)
		report_print(&r);
	report_print_errors(&r);
	if (prom_err[0] && (!o.json || r.error_printed))
		fprintf(stderr, "lvs-rs-agent: %s\n", prom_err);
	journal_done(&j);
	report_done(&r);
	return ret;
}
