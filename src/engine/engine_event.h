/*
 * engine_event.h -- private to src/engine/: the durable hook event outbox.
 *
 * The events that are not a step of the lifecycle (nuke-failed, quarantined, close-failed,
 * ...) are queued in the store (table hook_event) in the transaction that records their
 * occurrence, and delivered by every engine step (`run`, and the commands that drive the
 * engine) afterwards: the account is claimed, the event's hooks run with SANDBOX_EVENT_ID,
 * SANDBOX_EVENT_DETAIL and SANDBOX_EVENT_TIME, and the event is marked delivered. A failed
 * delivery is recorded (a hook run, the event's last_error) and retried with
 * hooks.retry_backoff, doubling up to 64 times that; it is never dropped.
 *
 * Guarantee: an occurrence queues its event exactly once (the key makes a second queueing a
 * no-op, and a crash loses the occurrence and its event together or keeps both). Delivery is
 * at least once: a crash after the hooks ran but before the event was marked delivered runs
 * them again with the same SANDBOX_EVENT_ID, by which receivers (and the shipped notify hook)
 * drop the repeat.
 */
#ifndef SBX_ENGINE_EVENT_H
#define SBX_ENGINE_EVENT_H

#include "engine/engine_int.h"

/* Queues hook event ev for account a once per (account, ev, key): a later call with the same
 * key is a no-op. Call it in the transaction that records the occurrence, so the event and
 * the occurrence are durable together. detail: one line for the hook's environment
 * (SANDBOX_EVENT_DETAIL), may be NULL. The run loop delivers queued events. */
int eng_event_queue(struct engine *e, enum cfg_hook_event ev, const struct store_account *a,
                    const char *key, const char *detail, struct sbx_err *err) SBX_NODISCARD;

/* What one delivery pass did. */
struct eng_event_report {
    int delivered; /* events whose hooks succeeded (or that have none) */
    int failed;    /* deliveries that failed and wait for their retry */
};

/* Delivers the queued events due now of the accounts in scope (NULL = all), oldest first, an
 * account's events in the order they were queued. Nothing in dry-run. Per-event failures are
 * recorded on the event; -1 only when the store fails. */
int eng_event_deliver(struct engine *e, const struct store_filter *scope,
                      struct eng_event_report *r, struct sbx_err *err) SBX_NODISCARD;

/* The earliest due time of a queued event of the accounts in scope; 0 when none. */
int eng_event_next_due(struct engine *e, const struct store_filter *scope, int64_t *due,
                       struct sbx_err *err) SBX_NODISCARD;

#endif
