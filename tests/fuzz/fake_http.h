/*
 * fake_http.h -- the transport of src/aws/http.h answered from a script, for fuzzing the AWS
 * client's response handling without a network.
 *
 * fake_http.c defines every function of http.h, so a target linked with it never pulls the
 * libcurl transport (http.c) out of the core library: the client signs, sends through
 * http_request() and parses exactly as in production, and each "response" is the next part of
 * the fuzzer's input. A function added to http.h must be added here too: otherwise the linker
 * pulls http.c back in and reports each function below as defined twice.
 *
 * Script: parts separated by "%%" lines (fz_split). Each part is a first line
 * "STATUS [ERROR-TYPE]" (ERROR-TYPE becomes the X-Amzn-Errortype header) and the body. When the
 * script runs out, requests fail as if the connection was refused.
 */
#ifndef SBX_FAKE_HTTP_H
#define SBX_FAKE_HTTP_H

#include <stddef.h>

/* Makes text (length len, modified in place, borrowed until the next call) the script. */
void fake_http_script(char *text, size_t len);
/* Requests answered so far from the current script. */
size_t fake_http_requests(void);

#endif
