/*
 * orgs_int.h -- for the other JSON 1.1 services that share the Organizations client's
 * connection, credentials and retry quota (ce.c). Not for the engine.
 */
#ifndef SBX_ORGS_INT_H
#define SBX_ORGS_INT_H

#include <cjson/cJSON.h>

#include "aws/orgs.h"

/*
 * One Cost Explorer operation (X-Amz-Target AWSInsightsIndexService.<operation>, signing name
 * "ce") with the client's retries; the 2xx body parsed into *resp (the caller deletes it).
 * SBX_E_CONFIG when the partition has no Cost Explorer endpoint and none is configured.
 */
int orgs_ce_call(struct orgs *o, const char *operation, const cJSON *req, cJSON **resp,
                 struct sbx_err *err) SBX_NODISCARD;

#endif
