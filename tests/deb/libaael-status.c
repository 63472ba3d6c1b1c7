// SPDX-License-Identifier: GPL-2.0
/*
 * A program built the way a libaael user builds one: from the installed
 * libaael-dev (pkg-config libaael, <aael.h>), linked to libaael0's shared
 * library. Prints the live log's backend and record count.
 */
#include <inttypes.h>
#include <stdio.h>

#include <aael.h>

int main(void)
{
	struct aael_client *client;
	struct aael_status st;
	char err[AAEL_ERRLEN];

	if (aael_client_open(&client, err) || aael_client_status(client, &st, err)) {
		fprintf(stderr, "libaael-status: %s\n", err);
		return 1;
	}
	printf("%s %" PRIu64 "\n", st.backend, st.count);
	aael_client_close(client);
	return 0;
}
