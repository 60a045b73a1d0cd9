#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/keyring.h"
#include "core/util.h"

#define KEY_MAGIC "nxk1"

static int
parse_line(char *line, struct nxm_key *key)
{
	char *magic, *id, *secret, *extra, *save = NULL;
	size_t len = 0;

	magic = strtok_r(line, " \t", &save);
	id = strtok_r(NULL, " \t", &save);
	secret = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (magic == NULL || strcmp(magic, KEY_MAGIC) != 0 || id == NULL || secret == NULL ||
	    extra != NULL || strlen(id) != NXM_KEY_ID_LEN)
		return -1;
	for (const char *p = id; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return -1;
	if (nxm_b64url_decode(secret, strlen(secret), key->secret, sizeof(key->secret), &len) ==
	            -1 ||
	    len != NXM_KEY_LEN)
		return -1;
	memcpy(key->id, id, NXM_KEY_ID_LEN + 1);
	return 0;
}

int
nxm_keyring_load(const char *path, struct nxm_keyring *ring, char *err, size_t errlen)
{
	char buf[NXM_KEYFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t total = 0;
	int fd = -1, rc = -1, lineno = 0;
	char *line, *next;

	memset(ring, 0, sizeof(*ring));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot open key file: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: mode %03o gives group or others access; chmod 600 it",
		         path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += (size_t)n;
	if (n == -1 || total >= sizeof(buf) - 1) {
		snprintf(err, errlen, "%s: %s", path,
		         n == -1 ? strerror(errno) : "key file too large");
		goto out;
	}
	buf[total] = '\0';
	/* Not strtok_r: it skips empty lines, and errors would name the wrong line. */
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (ring->n >= NXM_KEYRING_MAX) {
			snprintf(err, errlen, "%s:%d: more than %d keys", path, lineno,
			         NXM_KEYRING_MAX);
			goto out;
		}
		if (parse_line(line, &ring->keys[ring->n]) == -1) {
			snprintf(err, errlen, "%s:%d: malformed key line", path, lineno);
			goto out;
		}
		ring->n++;
	}
	if (ring->n == 0) {
		snprintf(err, errlen, "%s: no key in key file", path);
		goto out;
	}
	rc = 0;
out:
	nxm_wipe(buf, sizeof(buf));
	if (fd != -1)
		close(fd);
	if (rc != 0)
		nxm_keyring_wipe(ring);
	return rc;
}

int
nxm_keyring_create(const char *path, char *err, size_t errlen)
{
	unsigned char secret[NXM_KEY_LEN], idraw[6];
	char secret_b64[64], id[NXM_KEY_ID_LEN + 1], line[160];
	int fd = -1, rc = -1, n;

	if (nxm_random(secret, sizeof(secret)) == -1 || nxm_random(idraw, sizeof(idraw)) == -1 ||
	    nxm_b64url_encode(secret, sizeof(secret), secret_b64, sizeof(secret_b64)) == -1 ||
	    nxm_b64url_encode(idraw, sizeof(idraw), id, sizeof(id)) == -1) {
		snprintf(err, errlen, "%s: cannot generate a key", path);
		goto out;
	}
	n = snprintf(line, sizeof(line),
	             "# nexmcp server key: keep private, mode 0600, owned by the FastCGI user\n"
	             "%s %s %s\n",
	             KEY_MAGIC, id, secret_b64);
	if (n < 0 || (size_t)n >= sizeof(line))
		goto out;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "%s: cannot create key file: %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, line, (size_t)n) != n || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: cannot write key file: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	nxm_wipe(secret, sizeof(secret));
	nxm_wipe(secret_b64, sizeof(secret_b64));
	nxm_wipe(line, sizeof(line));
	return rc;
}

const struct nxm_key *
nxm_keyring_find(const struct nxm_keyring *ring, const char *id)
{
	for (size_t i = 0; i < ring->n; i++)
		if (strcmp(ring->keys[i].id, id) == 0)
			return &ring->keys[i];
	return NULL;
}

void
nxm_keyring_wipe(struct nxm_keyring *ring)
{
	nxm_wipe(ring, sizeof(*ring));
}
