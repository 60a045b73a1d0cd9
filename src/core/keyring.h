/* The server secret: a key file readable only by the FastCGI user, holding
 * one or more 256-bit keys with identifiers. The first key signs new tokens;
 * the others still verify old ones, so keys rotate without logging anyone out. */
#ifndef NXM_CORE_KEYRING_H
#define NXM_CORE_KEYRING_H

#include <stddef.h>

#define NXM_KEY_LEN     32
#define NXM_KEY_ID_LEN  8
#define NXM_KEYRING_MAX 8
#define NXM_KEYFILE_MAX 4096

struct nxm_key {
	char id[NXM_KEY_ID_LEN + 1]; /* 8 characters of base64url */
	unsigned char secret[NXM_KEY_LEN];
};

struct nxm_keyring {
	struct nxm_key keys[NXM_KEYRING_MAX];
	size_t n;
};

/* Refuses files that are not regular, are symlinks, or grant any access to
 * group or others. err gets the cause. */
int nxm_keyring_load(const char *path, struct nxm_keyring *ring, char *err, size_t errlen);
/* Creates a new key file with one fresh key, mode 0600; fails if it exists. */
int nxm_keyring_create(const char *path, char *err, size_t errlen);
const struct nxm_key *nxm_keyring_find(const struct nxm_keyring *ring, const char *id);
void nxm_keyring_wipe(struct nxm_keyring *ring);

#endif
