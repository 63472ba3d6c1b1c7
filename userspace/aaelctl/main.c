// SPDX-License-Identifier: GPL-2.0-or-later
/* aaelctl: one verb per file, on libaael. */
#include <string.h>
#include "aaelctl.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} verbs[] = {
	{ "record", cmd_record, "DOMAIN OPERATION CONTENT" },
	{ "status", cmd_status, "[--json]" },
	{ "log", cmd_log, "[--from N] [--format text|json|tcg2] [--log FILE|-]" },
	{ "follow", cmd_follow, "[--from N] [--format text|json]" },
	{ "export", cmd_export, "--format tcg2|cc-eventlog|cel-json [--ccel FILE] [-o FILE]" },
	{ "verify", cmd_verify, "[--log FILE|-] [--against live|INDEX:ALG:HEX...] [--claims]" },
};

static int usage(FILE *out, int rc)
{
	fprintf(out, "usage: aaelctl VERB [OPTIONS]\n\n"
		"Record, read, export and verify the kernel's runtime attestation\n"
		"event log (aael.ko).\n\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  aaelctl %-7s %s\n", verbs[i].name, verbs[i].help);
	fprintf(out, "\nExit status: 0 ok/verified, 1 verification failed, 2 usage,\n"
		"3 error (no kernel module, permission, unreadable log).\n"
		"See aaelctl(8).\n");
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "aaelctl: unknown verb \"%s\"\n", argv[1]);
	return usage(stderr, EXIT_USAGE);
}
