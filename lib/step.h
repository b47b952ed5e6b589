/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A step is one kernel change: its kind (an ops table), its target, the value
 * apply wants, the value from before the agent's first apply (journal), and the
 * values seen in this run. apply, plan, revert and verify are walks over steps.
 *
 * The ops table of a kind lives where its kernel interface lives (netconf/ for
 * addresses and sysctls, arp/ for the nft table, tunnel/ for links). This file
 * only names struct netconf; it knows nothing of netlink.
 */
#ifndef LVS_LIB_STEP_H
#define LVS_LIB_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

struct netconf;

#define STEP_TARGET_MAX 96
/*
 * A value is a word ("present", "absent", "up"), a sysctl's number or an
 * IPv4 address (nft): at most 15 characters. 24 leaves room and keeps a step
 * at 208 bytes: with 10,000 VIPs a run holds two lists of them (journal and
 * config) and the report, and the agent stays under 8 MB.
 */
#define STEP_VALUE_MAX 24
/* The value of a step whose object does not exist, for any kind. */
#define STEP_ABSENT "absent"

/*
 * Order classes. apply sets in ascending order (ARP suppression before the
 * VIP devices come up, lo or the tunnel device, both before any VIP);
 * revert and rollback go descending.
 */
enum {
	STEP_ORDER_ARP = 10,
	STEP_ORDER_TUNNEL = 20,
	/* The sysctl.d drop-in: written once every sysctl it holds is set,
	 * removed before any is put back. */
	STEP_ORDER_DROPIN = 25,
	STEP_ORDER_VIP = 30,
};

/* Which of a step's values a change should make true in the kernel. */
enum step_field {
	STEP_WANT,  /* what the config asks */
	STEP_PRIOR, /* before the agent's first apply (revert) */
	STEP_WAS,   /* at the start of this run (rollback) */
};

struct step {
	const struct step_ops *ops;
	int order;
	/* Unique per kind: "net/ipv4/conf/all/arp_ignore", "192.0.2.1/32 dev lo" */
	char target[STEP_TARGET_MAX];
	char want[STEP_VALUE_MAX];
	char prior[STEP_VALUE_MAX];
	char was[STEP_VALUE_MAX];
	char now[STEP_VALUE_MAX]; /* filled by ops->observe */
};

struct conf;
struct steplist;
struct checklist;
struct netconf_host;

/* What a kind's build, probe and check see of the run. */
struct kind_ctx {
	const struct conf *conf;
	/* NULL for check-config: no kernel state is read (no per-interface
	 * rules for rip = auto, no conf/all/rp_filter). */
	struct netconf *nc;
	/* The journal's steps, or NULL: a value an earlier apply lowered
	 * stays wanted (conf/all/rp_filter). */
	const struct steplist *journal;
	/* check: the host's links and addresses, one dump for every kind. */
	const struct netconf_host *host;
	/* The command, for messages that name it: "apply", "plan", "verify". */
	const char *verb;
	/* plan: look, never ask the kernel what could change it (a module
	 * load). */
	bool dry_run;
	char *err; /* one line on failure (at most two, split by '\n') */
	size_t errlen;
};

/*
 * A kind: one kind of kernel object the agent manages, and everything about
 * it. The engine knows kinds only through this table and the registry.
 */
struct step_ops {
	const char *kind; /* "sysctl", "address": output and journal */
	/*
	 * The steps the config asks of this kind, appended to out (which
	 * holds the steps of the kinds before it in the registry). 0, or
	 * -errno with one line in ctx->err (-EOPNOTSUPP: the config cannot be
	 * served as written, exit 2). NULL: the kind builds none.
	 */
	int (*build)(const struct kind_ctx *ctx, struct steplist *out);
	/*
	 * Before anything changes: whether the kernel can have the objects of
	 * steps v (the config's steps of this kind, observed) that apply is
	 * about to make. 0; 1 when it asked the kernel, which may have made
	 * objects appear (a module load): the engine observes again;
	 * -EOPNOTSUPP with one line in ctx->err (exit 3, nothing changed);
	 * -EINTR when a signal stopped it (the engine says so); another
	 * -errno with one line in ctx->err. With ctx->dry_run it asks the
	 * kernel nothing that could change it. NULL: always.
	 */
	int (*probe)(const struct kind_ctx *ctx, struct step *const *v, size_t n);
	/*
	 * verify's checks of this kind beyond each step's own: effective
	 * values on the host (ctx->host), appended to out. 0 or -errno with
	 * one line in ctx->err. NULL: none.
	 */
	int (*check)(const struct kind_ctx *ctx, struct checklist *out);
	/* The target as people read it (sysctl: dotted). NULL: as it is. */
	void (*display)(const char *target, char *buf, size_t len);
	/* Whether a value means "no such object", for '+' and '-' in the
	 * output (step_sign()). NULL: STEP_ABSENT. */
	bool (*is_absent)(const char *value);
	/*
	 * Whether the kernel can be put back from s->now to `to` (revert,
	 * rollback): a per-device sysctl that was missing cannot be made
	 * missing again. NULL: whenever the two differ (step_same()).
	 */
	bool (*restorable)(const struct step *s, const char *to);
	/*
	 * Fill ->now of every step from the kernel (one dump for all of them,
	 * not one request each). A target that cannot exist (device missing)
	 * is observed as "absent"/"missing", not as an error. 0 or -errno.
	 */
	int (*observe)(struct netconf *nc, struct step *const *v, size_t n);
	/*
	 * Make the kernel value of every v[i] equal to its field `to`, knowing
	 * its current value is ->now. Steps whose ->now already equals it are
	 * not passed. Batches as it likes; res[i] = 0 or -errno for each step
	 * (a failed one leaves the kernel at ->now). Returns 0 if all res are 0,
	 * else the first negative res. netconf_error() then holds the kernel's
	 * text for the first failure.
	 */
	int (*change)(struct netconf *nc, struct step *const *v, size_t n,
		      enum step_field to, int *res);
	/*
	 * Why a step whose ->now differs from ->want breaks LVS (verify).
	 * Writes one sentence to buf. May be NULL.
	 */
	void (*explain)(const struct step *s, char *buf, size_t len);
	/*
	 * Whether two values name the same kernel state, for a kind whose
	 * values carry what the kernel changes by itself (an address's
	 * remaining lifetimes count down). NULL: equal as strings.
	 */
	bool (*same)(const char *a, const char *b);
	/*
	 * Each object of the kind in the kernel that carries the agent's own
	 * mark (the nft table's comment, a route's protocol): the agent made
	 * it, whatever a journal says or lacks. cb gets a step with ops,
	 * order, target and now set (want and prior empty) and returns 0 to
	 * go on, or -errno to stop: marked returns it. 0 or -errno. NULL:
	 * the kind's objects carry no mark (sysctls, addresses, links).
	 */
	int (*marked)(struct netconf *nc,
		      int (*cb)(const struct step *s, void *data), void *data);
	/*
	 * A journal is a file that another user may have written (the unit's
	 * DynamicUser owns its directory; root runs revert by hand), so a step
	 * read from one is taken only when it is one this kind makes:
	 * valid_target() when target is the canonical text of an object the
	 * agent itself creates, valid_value() when value can be its field f
	 * (STEP_WANT or STEP_PRIOR) for that target. Anything else is a
	 * damaged journal: revert never acts on it.
	 */
	bool (*valid_target)(const char *target);
	bool (*valid_value)(const char *target, enum step_field f, const char *value);
	/*
	 * The kind's objects form one whole (the nft table): while any step of
	 * the kind is still wanted, apply removes the stale ones in the same
	 * change call that adds the new ones, so an edit is one transaction.
	 * Its observe always gets every step of the kind in the run (the
	 * engine's read-backs too), so that what the whole holds beyond them
	 * shows as damage.
	 */
	bool transactional;
	/*
	 * The nf_tables table ("FAMILY NAME") that holds the kind's objects,
	 * which is also its table step's target: the kernel's notifications
	 * of anything in it are this kind's (watch). NULL: none.
	 */
	const char *nft_table;
};

const char *step_value(const struct step *s, enum step_field f);
/* Whether values a and b of s's kind name the same state (ops->same). */
bool step_same(const struct step *s, const char *a, const char *b);
/* Whether value v of a kind means "no such object" (ops->is_absent). */
bool step_is_absent(const struct step_ops *ops, const char *v);
/*
 * The verb of a change from `from` to `to` for people: '+' when an object
 * appears, '-' when one goes, '~' for any other change (and for absent to
 * absent, which is none).
 */
char step_sign(const struct step_ops *ops, const char *from, const char *to);
/* s's target as people read it (ops->display). */
void step_display(const struct step *s, char *buf, size_t len);
/* Whether s can and must be changed from s->now back to `to`
 * (ops->restorable): revert, rollback, the stale steps of an apply. */
bool step_restorable(const struct step *s, const char *to);
/* Copy with truncation check: -ENAMETOOLONG when it does not fit. */
_must_check_ int step_set(char *dst, size_t len, const char *src);
#define STEP_SET(field, src) step_set((field), sizeof(field), (src))

/*
 * One verify line: what was checked, what was expected, what the kernel has,
 * and for a failure why it breaks LVS. The texts are never NULL, at most
 * CHECK_*_MAX - 1 bytes (longer ones are cut), and belong to the checklist:
 * they live in its pool, not in the check, so that 10,000 checks cost some
 * 100 bytes each rather than the 640 of the longest texts.
 */
#define CHECK_TARGET_MAX 112
#define CHECK_SUBJECT_MAX 128
#define CHECK_EXPECTED_MAX 64
#define CHECK_FOUND_MAX 64
#define CHECK_DETAIL_MAX 256 /* a config error line, for status */
#define CHECK_WHY_MAX 320

struct check {
	bool ok;
	bool warn; /* ok, but worth telling (arp_suppress = none) */
	/*
	 * What is checked, one word: "address", "sysctl", "arp_ignore". Not
	 * copied: a string that lives as long as the program (a literal, an
	 * ops table's kind).
	 */
	const char *kind;
	/* Which one: "192.0.2.1/32 dev lo", "eth0"; "" for a whole. */
	const char *target;
	const char *expected;
	/* The value found, and only it: "0", "absent", "down". */
	const char *found;
	/* What else tells about found, for people: "effective: max(all 0,
	 * eth0 1)". "" when nothing. */
	const char *detail;
	const char *why;
};

/*
 * Texts in blocks that never move, freed all at once: what a list of
 * thousands of short texts costs is their bytes, not a fixed room each.
 */
struct text_pool;
/*
 * A copy of src (NULL: "") cut to max - 1 bytes; "" costs nothing, nor does
 * a text equal to prev (the one before, for instance), which it then
 * shares. NULL without memory.
 */
const char *text_pool_copy(struct text_pool **pool, const char *src, size_t max,
			   const char *prev);
void text_pool_free(struct text_pool **pool);

struct checklist {
	struct check *v;
	size_t n, cap;
	struct text_pool *pool; /* the texts */
};

/*
 * Append a check; target and detail may be NULL (""), `why` is printf-style
 * and may be NULL. 0 or -ENOMEM.
 */
_printf_(8, 9) int checklist_add(struct checklist *l, bool ok, const char *kind,
				 const char *target, const char *expected,
				 const char *found, const char *detail,
				 const char *why, ...);
void checklist_done(struct checklist *l);
/* "KIND TARGET", or KIND alone: how text output and metrics name a check. */
void check_subject(const struct check *c, char *buf, size_t len);
size_t checklist_failed(const struct checklist *l);

#endif
