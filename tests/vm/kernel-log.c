// SPDX-License-Identifier: GPL-2.0
/* The guest test tools' one reader of the kernel's binary log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel-log.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap), *p;
	int fd = open(path, O_RDONLY);
	ssize_t r = 0;

	while (fd >= 0 && buf && (r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			p = realloc(buf, cap *= 2);
			if (!p)
				break;
			buf = p;
		}
	}
	if (fd < 0 || !buf || r < 0 || n == cap) {
		printf("%s: %s\n", path, strerror(buf ? errno : ENOMEM));
		free(buf);
		buf = NULL;
	}
	if (fd >= 0)
		close(fd);
	*len = n;
	return buf;
}

int load_kernel_log(struct aael_eventlog *log, uint8_t **buf)
{
	char err[AAEL_ERRLEN];
	size_t len;

	*buf = slurp(AAEL_SFS "binary_runtime_measurements", &len);
	if (!*buf)
		return -1;
	if (aael_eventlog_parse(*buf, len, log, err)) {
		printf("log does not parse: %s\n", err);
	} else if (!log->has_spec_id || log->end != len) {
		printf("log has no Spec ID header or trailing bytes\n");
		aael_eventlog_free(log);
	} else {
		return 0;
	}
	free(*buf);
	*buf = NULL;
	return -1;
}
