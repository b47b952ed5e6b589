/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands: each loads what it needs (the config, the journal's lock,
 * the netconf handle), runs the engine once, and leaves what it did in the
 * report for main to print. Each returns an exit code (exit.h).
 */
#ifndef LVS_AGENT_COMMANDS_H
#define LVS_AGENT_COMMANDS_H

#include <stdbool.h>

#define AGENT_STATE_PATH "/run/lvs-rs-agent/state"

struct journal;
struct report;

struct agent_opts {
	const char *config;
	const char *state;
	double wait;
	bool json;
	bool force; /* revert: also without a whole journal */
	bool have_net_admin;
	bool keep_on_config_error;
	/* watch */
	const char *prom;  /* --prometheus: the watch's metrics */
	double interval;   /* --interval: the poll of the sysctls without events, s */
	double backoff;    /* --backoff: the first pause of a contested object, s */
	unsigned int budget; /* --budget: repairs of an object before it is contested */
};

/* apply, or with dry_run plan. */
int agent_apply(const struct agent_opts *o, struct report *r, bool dry_run);
int agent_revert(const struct agent_opts *o, struct report *r);
/* Drop the journal, saying what it leaves in the kernel; change nothing. */
int agent_forget(const struct agent_opts *o, struct report *r);
int agent_verify(const struct agent_opts *o, struct report *r);
/* j: the journal read, which r then shows; the caller frees it after the
 * report is printed. */
int agent_status(const struct agent_opts *o, struct report *r, struct journal *j);
int agent_check_config(const struct agent_opts *o, struct report *r);
/* Keep the server prepared: apply, then repair what drifts (watch.c). */
int agent_watch(const struct agent_opts *o, struct report *r);

/* The commands' parts, for watch.c. Each returns an exit code. */
struct conf;
struct netconf;
int agent_load_config(const struct agent_opts *o, struct report *r, struct conf **ret);
/*
 * --keep-on-config-error with a present but broken config (its errors
 * already in r) and a journal that holds steps: warn that what the last
 * apply made is kept, and return 1 (the caller changes nothing and exits
 * 0). Else 0.
 */
int agent_keep_prepared(const struct agent_opts *o, struct report *r, const char *verb);
int agent_open_netconf(struct report *r, struct netconf **nc);
int agent_need_net_admin(const struct agent_opts *o, struct report *r, const char *verb);
/* The journal's lock, exclusive; a watch's is refused at once. */
int agent_take_lock(const struct agent_opts *o, struct report *r, int *fd);

#endif
