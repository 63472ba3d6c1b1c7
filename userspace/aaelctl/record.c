// SPDX-License-Identifier: GPL-2.0-or-later
/* aaelctl record DOMAIN OPERATION CONTENT */
#include "aaelctl.h"

int cmd_record(int argc, char **argv)
{
	struct aael_client *c;
	struct aael_recorded r;
	char err[AAEL_ERRLEN], hex[2 * AAEL_MAX_DIGEST + 1];
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: aaelctl record DOMAIN OPERATION CONTENT\n");
		return EXIT_USAGE;
	}
	if (open_client(&c))
		return EXIT_ERROR;
	rc = aael_client_record(c, argv[1], argv[2], argv[3], &r, err);
	aael_client_close(c);
	if (rc) {
		fprintf(stderr, "aaelctl: record: %s\n", err);
		return EXIT_ERROR;
	}
	printf("seq %llu index %u", (unsigned long long)r.seq, r.index);
	for (unsigned int i = 0; i < r.nr_digests; i++)
		printf(" %s:%s", aael_alg_name(r.digests[i].alg),
		       aael_hex(hex, r.digests[i].bytes, r.digests[i].size));
	printf("\n");
	return 0;
}
