/*
 * awserr.h -- AWS error responses parsed the way the SDKs parse them, into struct sbx_err
 * (code SBX_E_AWS, the class in err->aws), as pure code.
 *
 * AWS-ORGANIZATIONS.md section 1.5: the code comes from the X-Amzn-Errortype header, else the
 * body's "code", else "__type", sanitised (text before ':' kept, text after '#' kept); the
 * message from "message", else "Message"; "Reason" is kept. STS (query protocol) errors are
 * XML: <Error><Code>..</Code><Message>..</Message></Error>, and a JSON 1.1 answer that is such
 * an XML document (an emulator's or a gateway's) is read the same way. A body that cannot be
 * parsed (an HTML page from a proxy, malformed or truncated JSON) is classed by its status:
 * SBX_AWS_TRANSIENT for HTTP 500/502/503/504, which SDKs retry whatever the body says;
 * SBX_AWS_THROTTLED for 429; SBX_AWS_REFUSED for any other 4xx, because a 4xx is definitive
 * whatever its body (the request was refused and had no effect); SBX_AWS_PROTOCOL otherwise (a
 * request that may have run). The message then quotes the status and a short sanitised excerpt
 * of the body. An error code the tables do not know is SBX_AWS_REFUSED at 4xx, too.
 */
#ifndef SBX_AWSERR_H
#define SBX_AWSERR_H

#include <stddef.h>

#include "sbx.h"

/*
 * Writes the sanitised form of raw (length n) into out (size outsz, truncated if needed):
 * "a.b#FooError:http://x" -> "FooError". Returns out.
 */
const char *awserr_sanitize_code(const char *raw, size_t n, char *out, size_t outsz);

/* The error class for an AWS error code (sanitised), its Reason (may be NULL) and the HTTP
 * status (0 if unknown). */
enum sbx_aws_errc awserr_classify(const char *code, const char *reason, long status);

/*
 * Fills err from a JSON 1.1 error response: status, the X-Amzn-Errortype header value
 * (NULL if absent) and the body (need not be NUL-terminated). err->msg reads
 * "Code: message (Reason)"; err->http_status, aws_code and aws_reason are set.
 */
void awserr_from_json(long status, const char *errortype_header, const char *body, size_t len,
                      struct sbx_err *err);

/* Same for a query-protocol (STS) XML error response. */
void awserr_from_xml(long status, const char *body, size_t len, struct sbx_err *err);

/*
 * Sets err to SBX_AWS_PROTOCOL (SBX_AWS_TRANSIENT for 500/502/503/504, SBX_AWS_THROTTLED for
 * 429, SBX_AWS_REFUSED for another 4xx): "HTTP <status>:
 * <what>: '<excerpt>'" where the excerpt is the start of body with control characters and
 * markup runs collapsed, at most 320 characters.
 */
void awserr_protocol(long status, const char *what, const char *body, size_t len,
                     struct sbx_err *err);

/* Why body (length len) is not a JSON object: "empty response body", "response is not JSON",
 * "truncated JSON response", "malformed JSON response", "response is not a JSON object"; NULL
 * when it is one. */
const char *awserr_json_problem(const char *body, size_t len);

/*
 * Extracts the text of the first <tag>...</tag> in xml (length len) into a heap string,
 * decoding the five predefined XML entities and numeric character references. Returns NULL
 * when absent or out of memory. Used for STS responses.
 */
char *awserr_xml_text(const char *xml, size_t len, const char *tag);

#endif
