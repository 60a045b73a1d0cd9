/* HTML output: escaping for text and attribute values, and the small
 * standalone pages (errors) that need no template. */
#ifndef NXM_CORE_HTML_H
#define NXM_CORE_HTML_H

#include "core/http.h"
#include "core/util.h"

/* Escapes & < > " ' so the result is safe in text and quoted attributes. */
int nxm_html_escape(struct nxm_buf *out, const char *s);
/* A complete page with a heading and a paragraph, both escaped, and the
 * headers every HTML page of ours carries (CSP, no framing, no caching). */
int nxm_html_page(struct nxm_response *resp, int status, const char *title, const char *message,
                  const char *stylesheet);
/* The security headers alone, for pages rendered elsewhere. */
int nxm_html_headers(struct nxm_response *resp);
/* Replaces the policy with the one for the sign-in form (no form-action). */
int nxm_html_headers_form(struct nxm_response *resp);

#endif
