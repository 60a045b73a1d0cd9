#include "autoconfig.h"

#include <string.h>

#include "core/html.h"

int
nxm_html_escape(struct nxm_buf *out, const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			break;
		}
		if ((rep != NULL ? nxm_buf_puts(out, rep) : nxm_buf_append(out, p, 1)) == -1)
			return -1;
	}
	return 0;
}

/* The sign-in form posts to /authorize, which answers with a redirect to the
 * client. Chromium and Safari apply form-action to every hop of that redirect
 * chain, so the login page leaves it out: with 'self' no sign-in could reach
 * a client. Pages without a form keep it. */
int
nxm_html_headers_form(struct nxm_response *resp)
{
	return nxm_response_set_header(resp, "Content-Security-Policy",
	                               "default-src 'none'; style-src 'self'; img-src 'self'; "
	                               "frame-ancestors 'none'; base-uri 'none'");
}

int
nxm_html_headers(struct nxm_response *resp)
{
	if (nxm_response_set_header(resp, "Content-Type", "text/html; charset=utf-8") == -1 ||
	    nxm_response_set_header(
	            resp, "Content-Security-Policy",
	            "default-src 'none'; style-src 'self'; img-src 'self'; "
	            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'") == -1 ||
	    nxm_response_set_header(resp, "X-Frame-Options", "DENY") == -1 ||
	    nxm_response_set_header(resp, "Referrer-Policy", "no-referrer") == -1 ||
	    nxm_response_set_header(resp, "Cache-Control", "no-store") == -1)
		return -1;
	return 0;
}

int
nxm_html_page(struct nxm_response *resp, int status, const char *title, const char *message,
              const char *stylesheet)
{
	struct nxm_buf *b = &resp->body;

	nxm_buf_reset(b);
	resp->status = status;
	if (nxm_html_headers(resp) == -1 ||
	    nxm_buf_puts(
	            b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	               "<title>") == -1 ||
	    nxm_html_escape(b, title) == -1 || nxm_buf_puts(b, "</title>\n") == -1)
		return -1;
	if (stylesheet != NULL &&
	    (nxm_buf_puts(b, "<link rel=\"stylesheet\" href=\"") == -1 ||
	     nxm_html_escape(b, stylesheet) == -1 || nxm_buf_puts(b, "\">\n") == -1))
		return -1;
	if (nxm_buf_puts(b, "</head>\n<body>\n<main class=\"card\">\n<h1>") == -1 ||
	    nxm_html_escape(b, title) == -1 || nxm_buf_puts(b, "</h1>\n<p>") == -1 ||
	    nxm_html_escape(b, message) == -1 ||
	    nxm_buf_puts(b, "</p>\n</main>\n</body>\n</html>\n") == -1)
		return -1;
	return 0;
}
